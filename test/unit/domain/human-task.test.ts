import { HumanTask, type SlaSettings } from '../../../domain/human-task';
import type { RuleViolation } from '../../../domain/rules';
import { config, dana } from './builders';

// The task's rules and SLA clocks as plain code: time is whatever the test says it is.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const calendarSla: SlaSettings = {
  ...config.sla,
  policies: {
    urgent: { firstResponseMs: 10 * SECOND, resolutionMs: 60 * SECOND, nextResponseMs: 10 * SECOND, calendar: 'calendar' },
    high: { firstResponseMs: 20 * SECOND, resolutionMs: 120 * SECOND, nextResponseMs: 20 * SECOND, calendar: 'calendar' },
    normal: { firstResponseMs: 40 * SECOND, resolutionMs: 240 * SECOND, nextResponseMs: 40 * SECOND, calendar: 'calendar' },
    low: { firstResponseMs: 80 * SECOND, resolutionMs: 480 * SECOND, calendar: 'calendar' },
  },
  warnAt: 0.5,
  breachActions: ['raise_priority', 'move_to_overflow', 'notify', 'record'],
  overflowQueue: 'supervisors',
  returnAfterMs: 30 * SECOND,
};

const T0 = Date.parse('2026-01-05T10:00:00.000Z'); // a Monday, 10:00 in London
const at = (ms: number) => new Date(T0 + ms).toISOString();

function newTask(sla: SlaSettings = calendarSla, createdAt = at(0), priority: 'normal' | 'low' = 'normal') {
  return HumanTask.create(
    {
      taskId: 'handoff-c1-1',
      conversationId: 'c1',
      customer: dana,
      reasons: [{ code: 'human_request' }],
      queue: 'general',
      priority,
      summary: { issue: 'late order', aiTried: 'tracking article', mood: 'annoyed', suggestedFirstLine: 'Hi Dana' },
      createdAt,
    },
    sla,
  );
}

describe('SLA clocks', () => {
  it('when a task is created, then first-response and resolution are due by its priority policy', () => {
    const task = newTask();

    const clocks = task.snapshot.slaClocks.map((c) => [c.target, c.dueAt, c.warnAt]);

    expect(clocks).toEqual([
      ['firstResponse', at(40 * SECOND), at(20 * SECOND)],
      ['resolution', at(240 * SECOND), at(120 * SECOND)],
    ]);
    expect(task.nextDeadline).toBe(at(40 * SECOND));
  });

  it('when the warning time passes, then a warning fires once and nothing breaches yet', () => {
    const task = newTask();

    const fired = task.fireDue(T0 + 20 * SECOND);
    const again = task.fireDue(T0 + 21 * SECOND);

    expect(fired.map((f) => [f.kind, f.target])).toEqual([['warning', 'firstResponse']]);
    expect(again).toEqual([]);
    expect(task.slaBreached).toBe(false);
  });

  it('when nobody answers by the deadline, then the breach chain raises the priority, moves to overflow and shortens the other deadlines', () => {
    const task = newTask();

    const fired = task.fireDue(T0 + 40 * SECOND);

    const breach = fired.find((f) => f.kind === 'breach');
    expect(breach).toMatchObject({ target: 'firstResponse', dueAt: at(40 * SECOND), at: at(40 * SECOND), priority: 'high', queue: 'supervisors' });
    expect(breach?.actions).toEqual(['raise_priority', 'move_to_overflow', 'notify', 'record']);
    expect(task.slaBreached).toBe(true);
    // resolution now follows the high policy (120 s from creation), not normal's 240 s
    expect(task.snapshot.slaClocks.find((c) => c.target === 'resolution')?.dueAt).toBe(at(120 * SECOND));
    expect(task.snapshot.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['sla_warning', 'sla_breached', 'priority_raised', 'moved_to_overflow']),
    );
  });

  it('when the agent replies in time and resolves late, then first response is hit and resolution missed', () => {
    const task = newTask();
    task.claim('dana', at(5 * SECOND));
    task.reply('dana', at(10 * SECOND));
    task.fireDue(T0 + 240 * SECOND);

    task.resolve('dana', 'done', at(250 * SECOND));

    expect(task.snapshot.slaOutcomes).toEqual({ firstResponse: 'hit', resolution: 'missed' });
    expect(task.pendingTimers()).toEqual([]);
  });

  it('when the customer writes after an agent reply, then a next-response clock starts and the next reply stops it', () => {
    const task = newTask();
    task.claim('dana', at(0));
    task.reply('dana', at(5 * SECOND));

    task.customerWrote(at(10 * SECOND));
    const due = task.snapshot.slaClocks.find((c) => c.target === 'nextResponse' && !c.stoppedAt)?.dueAt;
    task.reply('dana', at(20 * SECOND));
    task.resolve('dana', undefined, at(30 * SECOND));

    expect(due).toBe(at(50 * SECOND));
    expect(task.snapshot.slaOutcomes).toEqual({ firstResponse: 'hit', nextResponse: 'hit', resolution: 'hit' });
  });

  it('when the priority has no next-response target, then a customer message starts no clock', () => {
    const task = newTask(calendarSla, at(0), 'low');
    task.claim('dana', at(0));
    task.reply('dana', at(1 * SECOND));

    task.customerWrote(at(2 * SECOND));

    expect(task.snapshot.slaClocks.filter((c) => c.target === 'nextResponse')).toEqual([]);
  });

  it('when a business-hours policy starts in the evening, then the deadline lands after the next morning opening', () => {
    const businessSla: SlaSettings = {
      ...calendarSla,
      policies: { ...calendarSla.policies, normal: { firstResponseMs: HOUR, resolutionMs: 8 * HOUR, calendar: 'business' } },
    };
    const mondayEvening = '2026-01-05T17:30:00.000Z'; // London 17:30, closes 18:00

    const task = newTask(businessSla, mondayEvening);

    const firstResponse = task.snapshot.slaClocks.find((c) => c.target === 'firstResponse');
    expect(firstResponse?.dueAt).toBe('2026-01-06T09:30:00.000Z');
    // half the target is used up at closing time
    expect(firstResponse?.warnAt).toBe('2026-01-05T18:00:00.000Z');
  });
});

describe('return timer', () => {
  it('when the claiming agent does not reply in time, then the task goes back to the queue saying why', () => {
    const task = newTask();
    task.claim('dana', at(1 * SECOND));

    const fired = task.fireDue(T0 + 31 * SECOND);

    expect(fired.find((f) => f.kind === 'returned')).toMatchObject({ dueAt: at(31 * SECOND), agentId: 'dana' });
    expect(task.snapshot).toMatchObject({ status: 'waiting', assignee: undefined });
    expect(task.snapshot.events.at(-1)).toMatchObject({ kind: 'returned', agentId: 'dana', detail: expect.stringMatching(/no reply from dana/) });
  });

  it('when the agent replies, then the return timer is off', () => {
    const task = newTask();
    task.claim('dana', at(0));
    task.reply('dana', at(1 * SECOND));

    expect(task.pendingTimers().some((t) => t.kind === 'returned')).toBe(false);
  });

  it('when a task is transferred to an agent, then that agent holds it with a fresh return timer', () => {
    const task = newTask();
    task.claim('dana', at(0));

    task.transferToAgent('dana', 'sam', at(10 * SECOND));

    expect(task.snapshot).toMatchObject({ status: 'claimed', assignee: 'sam', returnDueAt: at(40 * SECOND) });
  });
});

describe('task rules', () => {
  it('when a second agent claims a claimed task, then already_claimed', () => {
    const task = newTask();
    task.claim('dana', at(0));

    expect(() => task.claim('sam', at(1))).toThrow(expect.objectContaining({ code: 'already_claimed' }) as RuleViolation);
  });

  it('when a task is resolved, then nothing else may happen to it and no timer runs', () => {
    const task = newTask();
    task.claim('dana', at(0));
    task.resolve('dana', 'ok', at(1 * SECOND));

    expect(() => task.claim('sam', at(2))).toThrow(expect.objectContaining({ code: 'task_resolved' }) as RuleViolation);
    expect(task.pendingTimers()).toEqual([]);
    expect(task.fireDue(T0 + HOUR)).toEqual([]);
  });
});
