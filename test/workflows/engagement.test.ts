import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities';
import type { EngagementState, OutreachRecord } from '../../domain/engagement';
import type { HumanTaskState } from '../../domain/human-task';
import { conversationIdOf, engagementWorkflowId, outreachTaskId, quietSignalId } from '../../domain/ids';
import { businessEventUpdate, conversationQuery, engagementMomentSignal, engagementQuery, taskQuery } from '../../workflows/definitions';
import { defaultSupportConfig } from '../support/support-config';
import { useTimeSkippingEnvironment, withConversation } from '../support/time-skipping';

// The default configuration's quiet spell of four hours, checked in milliseconds on Temporal's
// time-skipping test server: the real engagement, conversation and human-task workflows, with only
// their activities (read models, the outreach record) stubbed.

const HOUR_MS = 60 * 60_000;
const config = defaultSupportConfig();
const QUIET_MS = config.engagement!.quietAfterDoubtfulAnswer.afterMs;

type StubbedActivities = Pick<
  Activities,
  'projectConversation' | 'projectConversationIfConnected' | 'notifyWebhook' | 'projectTask' | 'projectTaskIfConnected' | 'recordOutreach'
>;

const testEnv = useTimeSkippingEnvironment();

/** Read models and webhooks do nothing; outreach records are kept in `recorded`. */
function stubActivities(recorded: OutreachRecord[] = []): StubbedActivities {
  return {
    projectConversation: async () => undefined,
    notifyWebhook: async () => undefined,
    projectTask: async () => undefined,
    projectTaskIfConnected: async () => undefined,
    projectConversationIfConnected: async () => undefined,
    recordOutreach: async ({ record }) => {
      recorded.push(record);
    },
  };
}

/** The customer's engagement workflow, on the worker that runs `conversation`. */
async function startEngagement(env: TestWorkflowEnvironment, conversation: WorkflowHandle, customerId: string) {
  const engagement = await env.client.workflow.start('engagementWorkflow', {
    taskQueue: (await conversation.describe()).taskQueue,
    workflowId: engagementWorkflowId(customerId),
    args: [{ customerId, config }],
  });
  return { conversationId: conversationIdOf(conversation.workflowId), engagement };
}

test('when a customer goes quiet for four hours after a doubtful answer, then one outreach task opens at the end of the spell, and not before', async () => {
  const recorded: OutreachRecord[] = [];
  const activities = stubActivities(recorded);
  const env = testEnv();
  await withConversation(env, { activities, config }, async (conversation) => {
    const customer = { id: 'cust-1', name: 'Dana Scully' };
    const { conversationId, engagement } = await startEngagement(env, conversation, customer.id);
    const at = new Date(await env.currentTimeMs()).toISOString();
    await engagement.signal(engagementMomentSignal, { kind: 'started', conversationId, customer, at });
    await engagement.signal(engagementMomentSignal, { kind: 'turn', conversationId, messageId: 'm2', at, status: 'ai', category: 'how_to', doubt: 'did_not_work' });

    await env.sleep(QUIET_MS - HOUR_MS);
    const before: EngagementState = await engagement.query(engagementQuery);
    await env.sleep(2 * HOUR_MS);
    const after: EngagementState = await engagement.query(engagementQuery);

    expect(before.outreach).toEqual([]);
    expect(before.watches).toHaveLength(1);
    expect(after.watches).toEqual([]);
    const signalId = quietSignalId(conversationId, 'm2');
    expect(after.outreach).toMatchObject([{ signalId, kind: 'quiet_after_doubtful_answer', outcome: 'outreach_task', conversationId }]);
    const task: HumanTaskState = await env.client.workflow.getHandle(outreachTaskId(signalId)).query(taskQuery);
    expect(task).toMatchObject({ queue: 'outreach', conversationId, reasons: [{ code: 'outreach:quiet_after_doubtful_answer' }] });
    expect(task.summary.suggestedFirstLine).toMatch(/^Hi Dana, I saw our last answer/);
    // The agent opening the task reads why in the conversation's own transcript.
    const view = await conversation.query(conversationQuery);
    expect(view.transcript.at(-1)).toMatchObject({ role: 'agent', internal: true, text: expect.stringMatching(/went quiet for 4 hours/) });
    expect(recorded).toMatchObject([{ signalId, outcome: 'outreach_task' }]);
  });
}, 120_000);

test('when the engagement continues as new after its quota of moments, then an event posted before is still applied once', async () => {
  const activities = stubActivities();
  const env = testEnv();
  await withConversation(env, { activities, config }, async (conversation) => {
    const customer = { id: 'cust-2', name: 'Fox Mulder' };
    const { conversationId, engagement } = await startEngagement(env, conversation, customer.id);
    const firstRun = (await engagement.describe()).runId;
    const at = new Date(await env.currentTimeMs()).toISOString();
    await engagement.signal(engagementMomentSignal, { kind: 'started', conversationId, customer, at });
    const event = { eventId: 'late-1', customerId: customer.id, kind: 'order_late', orderNumber: '1001' };
    const first = await engagement.executeUpdate(businessEventUpdate, { args: [event] });

    // 500 moments in a run, then it continues as new carrying the customer's state.
    for (let n = 0; n < 500; n += 1) await engagement.signal(engagementMomentSignal, { kind: 'status', conversationId, status: 'ai', at });
    const latest = env.client.workflow.getHandle(engagementWorkflowId(customer.id));
    for (let i = 0; i < 100 && (await latest.describe()).runId === firstRun; i += 1) await env.sleep(100);
    const again = await latest.executeUpdate(businessEventUpdate, { args: [event] });

    expect((await latest.describe()).runId).not.toBe(firstRun);
    expect(first).toMatchObject({ duplicate: false, outcome: 'outreach_task', conversationId });
    expect(again).toEqual({ ...first, duplicate: true });
    const state: EngagementState = await latest.query(engagementQuery);
    expect(state.outreach).toHaveLength(1);
  });
}, 120_000);
