import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { Activities, SlaNotice } from '../../activities';
import type { SupportConfig } from '../../config/schema';
import type { HumanTaskState, SlaClock } from '../../domain/human-task';
import { claimTaskUpdate, replyToCustomerUpdate, requestHumanUpdate, taskQuery } from '../../workflows/definitions';
import { defaultSupportConfig, sameTargetsForEveryPriority } from '../support/support-config';
import { useTimeSkippingEnvironment, withConversation } from '../support/time-skipping';

// A first-response SLA of four hours, checked in milliseconds on Temporal's time-skipping test
// server: the real conversation and human-task workflows, with only their activities (read models,
// SLA records and notifications, the handoff summary) stubbed.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const FIRST_RESPONSE_MS = 4 * HOUR_MS;
/** The default policy warns at 80% of a target: 3 h 12 min. */
const WARN_AFTER_MS = 0.8 * FIRST_RESPONSE_MS;
/** A firing happens in the first workflow task after its timer: well within a second of skipped time. */
const FIRING_SLACK_MS = 1_000;

const config: SupportConfig = defaultSupportConfig();
// Calendar time for every priority, so the deadlines do not depend on the day the test runs and a
// breach that raises the priority keeps the same targets.
sameTargetsForEveryPriority(config, { firstResponseMs: FIRST_RESPONSE_MS, resolutionMs: 24 * HOUR_MS });

const environment = useTimeSkippingEnvironment();

/** What the activities were asked to do, with the (skipped) server time each call was scheduled at. */
interface Calls {
  notified: { notice: SlaNotice; scheduledAtMs: number }[];
  recorded: SlaNotice[];
}

type StubbedActivities = Pick<
  Activities,
  | 'summarizeHandoff'
  | 'projectConversation'
  | 'projectConversationIfConnected'
  | 'notifyWebhook'
  | 'projectTask'
  | 'projectTaskIfConnected'
  | 'recordSlaEvent'
  | 'recordSlaEventIfConnected'
  | 'notifySla'
>;

function stubActivities(calls: Calls): StubbedActivities {
  return {
    summarizeHandoff: async () => ({ issue: 'asked for a person', aiTried: 'nothing yet', mood: 'neutral', suggestedFirstLine: 'Hi, I am here.' }),
    projectConversation: async () => undefined,
    projectConversationIfConnected: async () => undefined,
    notifyWebhook: async () => undefined,
    projectTask: async () => undefined,
    projectTaskIfConnected: async () => undefined,
    recordSlaEvent: async (notice) => {
      calls.recorded.push(notice);
    },
    recordSlaEventIfConnected: async (notice) => {
      calls.recorded.push(notice);
    },
    notifySla: async (notice) => {
      calls.notified.push({ notice, scheduledAtMs: Context.current().info.currentAttemptScheduledTimestampMs });
    },
  };
}

/** Runs `body` with a worker of its own on a fresh task queue, and a conversation whose customer asked for a person. */
async function withHandedOffConversation(body: (task: TaskSide, calls: Calls) => Promise<void>): Promise<void> {
  const calls: Calls = { notified: [], recorded: [] };
  await withConversation(environment(), { activities: stubActivities(calls), config }, async (conversation) => {
    const outcome = await conversation.executeUpdate(requestHumanUpdate, { args: [{ requestId: 'r1' }] });
    const taskId = outcome.handoff?.taskId;
    if (!taskId) throw new Error(`asking for a person did not hand the conversation over: ${JSON.stringify(outcome)}`);
    await body(taskSide(taskId), calls);
  });
}

interface TaskSide {
  state(): Promise<HumanTaskState>;
  firstResponse(): Promise<SlaClock>;
  /** Lets `ms` of server time pass, firing every timer due on the way. */
  skip(ms: number): Promise<void>;
  claim(agentId: string): Promise<HumanTaskState>;
  reply(agentId: string, text: string): Promise<HumanTaskState>;
}

function taskSide(taskId: string): TaskSide {
  const handle = environment().client.workflow.getHandle(taskId);
  const state = () => handle.query(taskQuery);
  return {
    state,
    async firstResponse() {
      const clock = (await state()).slaClocks.find((c) => c.target === 'firstResponse');
      if (!clock) throw new Error('the task has no first-response clock');
      return clock;
    },
    skip: (ms) => environment().sleep(ms),
    claim: (agentId) => handle.executeUpdate(claimTaskUpdate, { args: [{ agentId }] }),
    reply: (agentId, text) => handle.executeUpdate(replyToCustomerUpdate, { args: [{ agentId, replyId: randomUUID(), text }] }),
  };
}

const msAfter = (start: string, instant: string | undefined): number => Date.parse(instant ?? 'missing') - Date.parse(start);

describe('a first-response SLA of four hours, on skipped time', () => {
  test('when nobody answers, then the task warns at 3 h 12 min and breaches at 4 h with the breach chain', async () => {
    await withHandedOffConversation(async (task, calls) => {
      const { createdAt: created, priority } = await task.state();
      expect(priority).toBe('normal');

      await task.skip(WARN_AFTER_MS - MINUTE_MS);
      expect((await task.firstResponse()).warnedAt).toBeUndefined();
      expect(calls.notified).toEqual([]);

      await task.skip(2 * MINUTE_MS);
      const warned = await task.firstResponse();
      expect(msAfter(created, warned.warnedAt)).toBeGreaterThanOrEqual(WARN_AFTER_MS);
      expect(msAfter(created, warned.warnedAt)).toBeLessThan(WARN_AFTER_MS + FIRING_SLACK_MS);
      expect(warned.breachedAt).toBeUndefined();
      expect(calls.notified.map((call) => call.notice.firing.kind)).toEqual(['warning']);

      await task.skip(FIRST_RESPONSE_MS - WARN_AFTER_MS - 2 * MINUTE_MS);
      expect((await task.firstResponse()).breachedAt).toBeUndefined();

      await task.skip(2 * MINUTE_MS);
      const state = await task.state();
      const breached = await task.firstResponse();
      expect(msAfter(created, breached.breachedAt)).toBeGreaterThanOrEqual(FIRST_RESPONSE_MS);
      expect(msAfter(created, breached.breachedAt)).toBeLessThan(FIRST_RESPONSE_MS + FIRING_SLACK_MS);
      // The configured chain: raise the priority (normal → high), move to the overflow queue, notify, record.
      expect(state.priority).toBe('high');
      expect(state.queue).toBe(config.sla.overflowQueue);
      const breach = calls.notified.find((call) => call.notice.firing.kind === 'breach');
      expect(breach?.notice.firing).toMatchObject({ target: 'firstResponse', dueAt: breached.dueAt, actions: config.sla.breachActions });
      expect(msAfter(created, new Date(breach?.scheduledAtMs ?? Number.NaN).toISOString())).toBeGreaterThanOrEqual(FIRST_RESPONSE_MS);
      expect(msAfter(created, new Date(breach?.scheduledAtMs ?? Number.NaN).toISOString())).toBeLessThan(FIRST_RESPONSE_MS + FIRING_SLACK_MS);
      expect(calls.recorded.map((notice) => notice.firing.kind)).toEqual(['warning', 'breach']);
    });
  });

  test('when an agent claims and replies an hour in, then the first response is met and nothing breaches', async () => {
    await withHandedOffConversation(async (task, calls) => {
      await task.skip(HOUR_MS);
      await task.claim('dana');
      await task.reply('dana', 'Hi Dana, I am looking into it now.');

      await task.skip(FIRST_RESPONSE_MS);
      const state = await task.state();
      expect(state.slaOutcomes.firstResponse).toBe('hit');
      expect((await task.firstResponse()).breachedAt).toBeUndefined();
      expect(state.priority).toBe('normal');
      expect(calls.notified).toEqual([]);
      expect(calls.recorded).toEqual([]);
    });
  });

  test('when an agent claims but never replies, then the task returns to its queue and still breaches at 4 h', async () => {
    await withHandedOffConversation(async (task, calls) => {
      await task.skip(HOUR_MS);
      await task.claim('dana');

      await task.skip(config.sla.returnAfterMs + MINUTE_MS);
      expect((await task.state()).status).toBe('waiting');

      await task.skip(FIRST_RESPONSE_MS - HOUR_MS - config.sla.returnAfterMs);
      expect((await task.firstResponse()).breachedAt).toBeDefined();
      expect(calls.recorded.map((notice) => notice.firing.kind)).toEqual(['returned', 'warning', 'breach']);
    });
  });
});
