import type { SlaNotice } from '../../activities';
import type { SupportConfig } from '../../config/schema';
import { readSlaEvents } from '../../db/tasks';
import type { HumanTaskState } from '../../domain/human-task';
import { SlaBreachedAttr, taskQuery } from '../../workflows/definitions';
import { restartTemporal } from '../../scripts/stack/services';
import { agents, customer, startPrivateTemporal, startTandem, testEnv, type Tandem } from '../support/harness';
import { writeSupportConfig } from '../support/support-config';

// Human tasks on the real Temporal dev server and FerretDB, with SLA targets of seconds so the
// durable timers fire while the test watches.

const [dana, sam] = agents as [(typeof agents)[number], (typeof agents)[number]];
/** A third agent who can hold one task at a time. */
const lee = { id: 'lee', name: 'Lee Agent', token: `agent-lee-${'x'.repeat(20)}`, queues: ['general', 'complaints'], capacity: 1 };

const FIRST_RESPONSE_MS = 2000;
const RETURN_AFTER_MS = 3000;

function writeConfig(sla: Partial<SupportConfig['sla']>): string {
  return writeSupportConfig((config) => {
    config.sla = { ...config.sla, ...sla };
  });
}

/** "Can I talk to a person" lands in general at normal priority; a cancellation at high or urgent. */
const shortTargets = writeConfig({
  policies: {
    urgent: { firstResponseMs: 30_000, resolutionMs: 120_000, nextResponseMs: 30_000, calendar: 'calendar' },
    high: { firstResponseMs: 30_000, resolutionMs: 120_000, nextResponseMs: 30_000, calendar: 'calendar' },
    normal: { firstResponseMs: FIRST_RESPONSE_MS, resolutionMs: 60_000, nextResponseMs: 5_000, calendar: 'calendar' },
    low: { firstResponseMs: FIRST_RESPONSE_MS, resolutionMs: 60_000, calendar: 'calendar' },
  },
  warnAt: 0.5,
  returnAfterMs: RETURN_AFTER_MS,
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function helpers(tandem: () => Tandem) {
  const handOff = async (text = 'can I talk to a person') => {
    const started = await tandem().call('POST', '/v1/conversations', { body: { customer: customer(), firstMessage: { messageId: 'm1', text } } });
    expect(started.status).toBe(201);
    return started.body.outcome.handoff.taskId as string;
  };
  const taskState = (taskId: string): Promise<HumanTaskState> =>
    tandem().api.deps.temporal.workflow.getHandle(taskId).query(taskQuery);
  return { handOff, taskState };
}

describe('with SLA targets of seconds', () => {
  let tandem: Tandem;
  const notified: { notice: SlaNotice; atMs: number }[] = [];
  const { handOff, taskState } = helpers(() => tandem);

  beforeAll(async () => {
    tandem = await startTandem({
      env: testEnv({ TANDEM_SUPPORT_CONFIG: shortTargets, TANDEM_AGENTS: JSON.stringify([...agents, lee]) }),
      activities: (real) => ({
        ...real,
        async notifySla(notice) {
          notified.push({ notice, atMs: Date.now() });
          return real.notifySla(notice);
        },
      }),
    });
  });

  afterAll(async () => {
    await tandem?.stop();
  });

  test('when nobody claims a task past its first-response target, then the breach chain runs within a second of the deadline', async () => {
    const taskId = await handOff();

    const breach = await eventually(async () => (await readSlaEvents(tandem.runtime.models, taskId)).find((e) => e.kind === 'breach'));
    const task = await taskState(taskId);
    const description = await tandem.api.deps.temporal.workflow.getHandle(taskId).describe();

    const dueAt = Date.parse(task.createdAt) + FIRST_RESPONSE_MS;
    expect(breach.target).toBe('firstResponse');
    expect(breach.dueAt.getTime()).toBe(dueAt);
    expect(breach.lateMs).toBeGreaterThanOrEqual(0);
    expect(breach.lateMs).toBeLessThan(1000);
    expect(breach.actions).toEqual(['raise_priority', 'move_to_overflow', 'notify', 'record']);
    const notice = notified.find((n) => n.notice.taskId === taskId && n.notice.firing.kind === 'breach');
    expect(notice!.atMs - dueAt).toBeLessThan(1000);
    expect(task).toMatchObject({ priority: 'high', queue: 'supervisors', status: 'waiting' });
    expect(task.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['sla_warning', 'sla_breached', 'priority_raised', 'moved_to_overflow']),
    );
    expect(description.typedSearchAttributes.get(SlaBreachedAttr)).toBe(true);
    console.info(`first-response breach fired ${breach.lateMs} ms after the deadline; notify ${notice!.atMs - dueAt} ms after`);
  });

  test('when two agents claim the same task at once, then exactly one gets 200 and the other 409', async () => {
    // A cancellation has a 30 s target, so no breach moves it out of both agents' queues mid-race.
    const taskId = await handOff('this is useless, I want to cancel');

    const [a, b] = await Promise.all([
      tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} }),
      tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: lee.token, body: {} }),
    ]);

    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('already_claimed');
    const winner = a.status === 200 ? dana : lee;
    expect((await taskState(taskId)).assignee).toBe(winner.id);
    // Lee holds one task at most: leave the later tests a free hand.
    expect((await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: winner.token, body: {} })).status).toBe(200);
  });

  test('when a claimed task gets no reply, then it returns to the queue at its return timer, saying why', async () => {
    const taskId = await handOff();
    const claimed = await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });
    expect(claimed.status).toBe(200);

    const returned = await eventually(async () => (await readSlaEvents(tandem.runtime.models, taskId)).find((e) => e.kind === 'returned'));
    const task = await taskState(taskId);

    const claimedAt = Date.parse(claimed.body.claimedAt as string);
    expect(returned.dueAt.getTime()).toBe(claimedAt + RETURN_AFTER_MS);
    expect(returned.lateMs).toBeLessThan(1000);
    expect(returned.agentId).toBe('dana');
    expect(task.status).toBe('waiting');
    expect(task.assignee).toBeUndefined();
    expect(task.events.find((e) => e.kind === 'returned')).toMatchObject({ agentId: 'dana', detail: expect.stringMatching(/no reply from dana/) });
  });

  test('when an agent replies and resolves in time, then the task ends with hit outcomes in its state and in the read model', async () => {
    const taskId = await handOff('this is useless, I want to cancel');
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: dana.token, body: { actionId: 'r1', text: 'Hi, I can help.' } });

    const resolved = await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: dana.token, body: { note: 'kept the customer' } });

    expect(resolved.status).toBe(200);
    expect(resolved.body.slaOutcomes).toEqual({ firstResponse: 'hit', resolution: 'hit' });
    const projected = await eventually(async () => {
      const doc = await tandem.runtime.models.Task.findById(taskId).lean();
      return doc?.status === 'resolved' ? doc : undefined;
    });
    expect(projected.slaOutcomes).toMatchObject({ firstResponse: 'hit', resolution: 'hit' });
  });

  test('when the customer writes after an agent reply, then a next-response clock starts and the next reply stops it', async () => {
    const started = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer(), firstMessage: { messageId: 'm1', text: 'this is useless, I want to cancel' } },
    });
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const taskId = started.body.outcome.handoff.taskId as string;
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: dana.token, body: { actionId: 'r1', text: 'Hi, I can help.' } });

    await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId: 'm2', text: 'ok, so what now?' } });
    const waiting = await eventually(async () => {
      const clock = (await taskState(taskId)).slaClocks.find((c) => c.target === 'nextResponse');
      return clock;
    });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: dana.token, body: { actionId: 'r2', text: 'Here is what now.' } });
    const after = await taskState(taskId);

    expect(Date.parse(waiting.dueAt) - Date.parse(waiting.startedAt)).toBe(30_000);
    expect(after.slaClocks.find((c) => c.target === 'nextResponse')?.stoppedAt).toEqual(expect.any(String));
    expect(after.slaOutcomes).toMatchObject({ firstResponse: 'hit', nextResponse: 'hit' });
  });

  test('when an agent lists tasks, then they see their queues sorted by priority then deadline, with time left', async () => {
    const urgentish = await handOff('this is useless, I want to cancel');

    const list = await eventually(async () => {
      const res = await tandem.call('GET', '/v1/agent/tasks', { token: dana.token });
      return res.body.tasks.some((t: { taskId: string }) => t.taskId === urgentish) ? res.body.tasks : undefined;
    });

    const mine = list.find((t: { taskId: string }) => t.taskId === urgentish);
    expect(mine).toMatchObject({ queue: 'complaints', status: 'waiting', mine: false });
    expect(mine.timeLeftMs).toBeGreaterThan(0);
    expect(mine.timeLeftMs).toBeLessThanOrEqual(30_000);
    const ranks = list.map((t: { priority: string }) => ['urgent', 'high', 'normal', 'low'].indexOf(t.priority));
    expect(ranks).toEqual([...ranks].sort((x: number, y: number) => x - y));
    for (const t of list) expect(dana.queues.includes(t.queue) || t.assignee === 'dana').toBe(true);
  });

  test('when an agent at capacity claims another task, then 409 at_capacity', async () => {
    const first = await handOff('this is useless, I want to cancel');
    const second = await handOff('this is useless, I want to cancel');
    expect((await tandem.call('POST', `/v1/agent/tasks/${first}/claim`, { token: lee.token, body: {} })).status).toBe(200);
    await eventually(async () => ((await tandem.runtime.models.Task.findById(first).lean())?.assignee === 'lee' ? true : undefined));

    const refused = await tandem.call('POST', `/v1/agent/tasks/${second}/claim`, { token: lee.token, body: {} });

    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('at_capacity');
  });

  test('when an agent transfers a task to another agent, then that agent holds it', async () => {
    const taskId = await handOff('this is useless, I want to cancel');
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });

    const transferred = await tandem.call('POST', `/v1/agent/tasks/${taskId}/transfer`, { token: dana.token, body: { agentId: 'sam' } });
    const samReplies = await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: sam.token, body: { actionId: 's1', text: 'Sam here.' } });

    expect(transferred.status).toBe(200);
    expect(transferred.body).toMatchObject({ status: 'claimed', assignee: 'sam' });
    expect(samReplies.status).toBe(200);
  });
});

describe('with a business-hours policy', () => {
  let tandem: Tandem;
  const { handOff, taskState } = helpers(() => tandem);
  // Open for an hour starting two minutes from now (UTC, today only): closed right now.
  const opening = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
  const openDate = new Date(opening);
  const startMinute = openDate.getUTCHours() * 60 + openDate.getUTCMinutes();
  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const businessHours = writeConfig({
    timeZone: 'UTC',
    businessHours: [{ day: openDate.getUTCDay(), start: hhmm(startMinute), end: hhmm(Math.min(startMinute + 60, 1440)) }],
    holidays: [],
    policies: {
      urgent: { firstResponseMs: 5_000, resolutionMs: 60_000, calendar: 'business' },
      high: { firstResponseMs: 5_000, resolutionMs: 60_000, calendar: 'business' },
      normal: { firstResponseMs: 5_000, resolutionMs: 60_000, calendar: 'business' },
      low: { firstResponseMs: 5_000, resolutionMs: 60_000, calendar: 'business' },
    },
  });

  beforeAll(async () => {
    tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: businessHours }) });
  });

  afterAll(async () => {
    await tandem?.stop();
  });

  test('when a handoff arrives while closed, then its deadlines start counting at the next opening', async () => {
    const taskId = await handOff();

    const task = await taskState(taskId);

    expect(Date.parse(task.createdAt)).toBeLessThan(opening);
    const due = Object.fromEntries(task.slaClocks.map((c) => [c.target, c.dueAt]));
    expect(due).toEqual({
      firstResponse: new Date(opening + 5_000).toISOString(),
      resolution: new Date(opening + 60_000).toISOString(),
    });
    expect(task.events.map((e) => e.kind)).toEqual(['created']);
  });
});

describe('across a Temporal server restart', () => {
  // A dev server of this test's own, so killing it disturbs no other test file.
  const RESTART_TARGET_MS = 15_000;
  let tandem: Tandem;
  const { handOff, taskState } = helpers(() => tandem);
  const config = writeConfig({
    policies: {
      urgent: { firstResponseMs: RESTART_TARGET_MS, resolutionMs: 120_000, calendar: 'calendar' },
      high: { firstResponseMs: RESTART_TARGET_MS, resolutionMs: 120_000, calendar: 'calendar' },
      normal: { firstResponseMs: RESTART_TARGET_MS, resolutionMs: 120_000, calendar: 'calendar' },
      low: { firstResponseMs: RESTART_TARGET_MS, resolutionMs: 120_000, calendar: 'calendar' },
    },
    warnAt: 0.5,
  });

  let temporal: Awaited<ReturnType<typeof startPrivateTemporal>>;

  beforeAll(async () => {
    temporal = await startPrivateTemporal();
    tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: config, TEMPORAL_ADDRESS: temporal.address }) });
  }, 120_000);

  afterAll(async () => {
    await tandem?.stop();
    await temporal?.stop();
  }, 60_000);

  test('when the server is killed and restarted while a task waits, then its SLA timers still fire on time', async () => {
    const taskId = await handOff();
    const { createdAt } = await taskState(taskId);

    const restartStarted = Date.now();
    await restartTemporal(temporal.runDir);
    const restartMs = Date.now() - restartStarted;
    const breach = await eventually(
      async () => (await readSlaEvents(tandem.runtime.models, taskId)).find((e) => e.kind === 'breach'),
      RESTART_TARGET_MS + 20_000,
    );

    expect(restartMs).toBeLessThan(RESTART_TARGET_MS); // else the test proves nothing about punctuality
    expect(breach.dueAt.getTime()).toBe(Date.parse(createdAt) + RESTART_TARGET_MS);
    expect(breach.lateMs).toBeLessThan(1000);
    const kinds = (await readSlaEvents(tandem.runtime.models, taskId)).map((e) => e.kind);
    expect(kinds).toEqual(['warning', 'breach']);
    console.info(`Temporal restart took ${restartMs} ms; the breach after it fired ${breach.lateMs} ms late`);
  }, 60_000);
});
