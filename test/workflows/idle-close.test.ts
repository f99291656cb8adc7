import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Activities } from '../../activities';
import { supportConfigSchema, type SupportConfig } from '../../config/schema';
import { conversationWorkflowId } from '../../domain/ids';
import type { Classification } from '../../domain/types';
import { REPO_ROOT } from '../../scripts/stack/paths';
import { conversationQuery, sendMessageUpdate } from '../../workflows/definitions';
import { timeSkippingEnvironment } from '../support/time-skipping';
import { workflowBundle } from '../support/workflow-bundle';

// The quiet spell that closes a conversation starts when the AI has replied, not when the customer
// wrote: a reply that takes longer than the idle period must not close the conversation under the
// customer's next message.

const IDLE_CLOSE_MS = 1_000;
/** Longer than the idle period, in real time: the test server does not skip time while an activity runs. */
const SLOW_UNDERSTANDING_MS = 1_500;

const config: SupportConfig = {
  ...supportConfigSchema.parse(JSON.parse(readFileSync(path.join(REPO_ROOT, 'config', 'support.default.json'), 'utf8'))),
  idleCloseMs: IDLE_CLOSE_MS,
};

const greeting: Classification = { intent: 'greeting', category: 'small_talk', confidence: 0.99, sentiment: 0.5, modelVersion: 'stub' };

type StubbedActivities = Pick<Activities, 'modelPlacement' | 'classifyMessage' | 'projectConversation' | 'notifyWebhook'>;

const activities: StubbedActivities = {
  modelPlacement: async () => 'remote',
  classifyMessage: async () => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_UNDERSTANDING_MS));
    return greeting;
  },
  projectConversation: async () => undefined,
  notifyWebhook: async () => undefined,
};

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await timeSkippingEnvironment();
}, 300_000);

afterAll(async () => {
  await env?.teardown();
});

test('when the reply to a message takes longer than the idle period, then the conversation stays open for the next one', async () => {
  const taskQueue = `idle-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  await worker.runUntil(async () => {
    const conversationId = randomUUID();
    const conversation = await env.client.workflow.start('conversationWorkflow', {
      taskQueue,
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId, customer: { id: 'cust-1', name: 'Dana Scully' }, config }],
    });

    const first = await conversation.executeUpdate(sendMessageUpdate, { args: [{ messageId: 'm1', text: 'hi there' }] });
    expect(first.status).toBe('ai');
    expect((await conversation.query(conversationQuery)).status).toBe('ai');

    const second = await conversation.executeUpdate(sendMessageUpdate, { args: [{ messageId: 'm2', text: 'hello again' }] });
    expect(second.reply?.role).toBe('ai');
    expect(second.status).toBe('ai');

    // Left quiet, it still closes one idle period after the last reply.
    await env.sleep(2 * IDLE_CLOSE_MS);
    expect((await conversation.query(conversationQuery)).status).toBe('closed');
  });
}, 60_000);
