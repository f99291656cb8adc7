// Records workflow histories for the replay test (test/integration/replay.test.ts): a conversation,
// a human task whose SLA warns and breaches before an agent claims, replies and resolves it, and an
// anonymous widget visitor's conversation, and a customer's engagement workflow with the conversation
// that reported to it (a quiet spell after "that didn't work", an event posted twice, a low rating),
// and a conversation's erasure.
// Run it against a running stack after an intended, patched change to a workflow:
//   TEMPORAL_ADDRESS=127.0.0.1:17233 MONGO_URL=mongodb://127.0.0.1:37017/tandem-test npx tsx scripts/record-history.ts [conversation] [handoff] [visitor] [engagement] [erasure]
// and commit the files it writes next to the older ones: old histories must keep replaying.
import { existsSync, writeFileSync } from 'node:fs';
import type { History } from '@temporalio/common/lib/proto-utils';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { readSlaEvents } from '../db/tasks';
import { agents, customer, startTandem, testEnv } from '../test/support/harness';
import { sameTargetsForEveryPriority, writeSupportConfig } from '../test/support/support-config';
import { conversationWorkflowId, engagementWorkflowId, erasureWorkflowId } from '../domain/ids';
import { startDemoStore } from '../services/demo-store/store';

/** Never overwrites a recording: older histories are what the replay test guards. */
function save(kind: string, history: History): void {
  const base = `test/histories/${kind}-${new Date().toISOString().slice(0, 10)}`;
  let file = `${base}.json`;
  for (let n = 2; existsSync(file); n += 1) file = `${base}-${n}.json`;
  writeFileSync(file, historyToJSON(history));
  process.stdout.write(`wrote ${file}\n`);
}

async function recordConversation(): Promise<void> {
  // A fresh demo store of its own: order 1002 is still there to cancel, whatever ran before.
  const secret = 'r'.repeat(64);
  const store = await startDemoStore({ port: 0, secret });
  const tandem = await startTandem({ env: testEnv({ TANDEM_ACTIONS_URL: store.url, TANDEM_ACTIONS_SECRET: secret }) });
  try {
    const started = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer({ id: 'cust-42', name: 'Dana Scully' }), firstMessage: { messageId: 'h1', text: 'hi' } },
    });
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const say = (messageId: string, text: string) =>
      tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId, text } });
    await say('h2', 'hw do i chnage my shiping adress');
    await say('h2b', 'and where is my order 123?');
    await say('h2c', 'where is my order 1001?');
    await say('h2d', 'cancel order 1002');
    await say('h2e', 'yes');
    const handoff = await say('h3', 'this is useless, I want to cancel');
    const taskId = handoff.body.handoff.taskId as string;
    const agent = agents[0]!;
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: agent.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: agent.token, body: { actionId: 'r1', text: 'Hi Dana, I can help.' } });
    await say('h4', 'thanks, please go ahead');
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: agent.token, body: { note: 'Order cancelled.' } });
    await say('h5', 'where is my order 456?');
    await tandem.call('POST', `/v1/conversations/${conversationId}/rating`, { token, body: { score: 4 } });
    await say('h6', 'thanks, bye');
    await new Promise((r) => setTimeout(r, 1000)); // let the last projections land in history

    save('conversation', await tandem.api.deps.temporal.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory());
  } finally {
    await tandem.stop();
    await store.close();
  }
}

async function recordHandoff(): Promise<void> {
  // Every target two seconds, warning at half: the task warns and breaches (raised priority, moved
  // to the overflow queue, notified, recorded) while nobody claims it.
  const configFile = writeSupportConfig((config) => {
    sameTargetsForEveryPriority(config, { firstResponseMs: 2000, resolutionMs: 600_000 });
    config.sla.warnAt = 0.5;
  });
  const supervisor = { id: 'kim', name: 'Kim Supervisor', token: `agent-kim-${'k'.repeat(24)}`, queues: ['supervisors'], capacity: 5 };
  const tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: configFile, TANDEM_AGENTS: JSON.stringify([...agents, supervisor]) }) });
  try {
    const started = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer({ name: 'Fox Mulder' }), firstMessage: { messageId: 'h1', text: 'can I talk to a person' } },
    });
    const taskId = started.body.outcome.handoff.taskId as string;
    while (!(await readSlaEvents(tandem.runtime.models, taskId)).some((e) => e.kind === 'breach')) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: supervisor.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: supervisor.token, body: { actionId: 'r1', text: 'Hi Fox, sorry for the wait.' } });
    // With a confirmed category: the task's workflow records the training example (patched).
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: supervisor.token, body: { note: 'Answered.', confirmedCategory: 'human_request' } });
    await new Promise((r) => setTimeout(r, 1000)); // let the last projections land in history

    save('handoff', await tandem.api.deps.temporal.workflow.getHandle(taskId).fetchHistory());
  } finally {
    await tandem.stop();
  }
}

/**
 * An anonymous widget visitor handed over while the team is away: asked for an email and leaving
 * one, answered by an agent, then a goodbye that the AI resolves and a rating in the window after it.
 */
async function recordVisitor(): Promise<void> {
  const awayDay = (new Date().getUTCDay() + 3) % 7;
  const configFile = writeSupportConfig((config) => {
    config.sla.timeZone = 'UTC';
    config.sla.businessHours = [{ day: awayDay, start: '09:00', end: '17:00' }];
    config.sla.holidays = [];
  });
  const tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: configFile }) });
  try {
    const session = await tandem.call('POST', '/v1/widget/sessions', { body: {} });
    const { conversationId, token } = session.body as { conversationId: string; token: string };
    const as = (path: string, body: unknown) => tandem.call('POST', `/v1/conversations/${conversationId}/${path}`, { token, body });
    await as('messages', { messageId: 'v1', text: 'hw do i chnage my shiping adress' });
    const handoff = await as('human', { requestId: 'v2' });
    await as('email', { requestId: 'v3', email: 'visitor@example.com' });
    const taskId = handoff.body.handoff.taskId as string;
    const agent = agents[0]!;
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: agent.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: agent.token, body: { actionId: 'r1', text: 'Done, the address is changed.' } });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: agent.token, body: {} });
    await as('messages', { messageId: 'v4', text: 'thanks, bye' });
    await as('rating', { score: 5 });
    await new Promise((r) => setTimeout(r, 1000)); // let the last projections land in history

    save('visitor', await tandem.api.deps.temporal.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory());
  } finally {
    await tandem.stop();
  }
}

async function recordEngagement(): Promise<void> {
  const file = writeSupportConfig((config) => {
    const quiet = config.engagement!.quietAfterDoubtfulAnswer;
    quiet.afterMs = 1500;
    quiet.confidenceBelow = 0;
  });
  const tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: file }) });
  const operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  try {
    const profile = customer();
    const started = await tandem.call('POST', '/v1/conversations', { body: { customer: profile } });
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const say = (messageId: string, text: string) =>
      tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId, text } });
    await say('e1', 'hw do i chnage my shiping adress');
    await say('e2', "I tried that and it didn't work. How do I change my shipping address?");
    await new Promise((r) => setTimeout(r, 3000)); // the quiet spell runs out: an outreach task
    const event = { eventId: 'rec-pay-1', customerId: profile.id, kind: 'payment_failed', orderNumber: '1001' };
    await tandem.call('POST', '/v1/events', { token: operator, body: event });
    await tandem.call('POST', '/v1/events', { token: operator, body: event });
    await say('e3', 'where is my order 1001?');
    await say('e4', 'thanks, bye');
    await tandem.call('POST', `/v1/conversations/${conversationId}/rating`, { token, body: { score: 1 } });
    await new Promise((r) => setTimeout(r, 1500)); // let the last signals land in history

    const client = tandem.api.deps.temporal.workflow;
    save('conversation-with-engagement', await client.getHandle(conversationWorkflowId(conversationId)).fetchHistory());
    save('engagement', await client.getHandle(engagementWorkflowId(profile.id)).fetchHistory());
  } finally {
    await tandem.stop();
  }
}

/** A conversation with a human task, erased on request: the erasure workflow's steps. */
async function recordErasure(): Promise<void> {
  const tandem = await startTandem();
  try {
    const started = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer({ name: 'Fox Mulder' }), firstMessage: { messageId: 'e1', text: 'can I talk to a person' } },
    });
    const { conversationId } = started.body as { conversationId: string };
    await new Promise((r) => setTimeout(r, 1000)); // let the read models land
    await tandem.call('DELETE', `/v1/conversations/${conversationId}`, { token: tandem.env.TANDEM_OPERATOR_KEYS[0] });

    save('erasure', await tandem.api.deps.temporal.workflow.getHandle(erasureWorkflowId(conversationId)).fetchHistory());
  } finally {
    await tandem.stop();
  }
}

async function main(): Promise<void> {
  const kinds = process.argv.slice(2);
  if (kinds.length === 0 || kinds.includes('conversation')) await recordConversation();
  if (kinds.length === 0 || kinds.includes('handoff')) await recordHandoff();
  if (kinds.length === 0 || kinds.includes('visitor')) await recordVisitor();
  if (kinds.length === 0 || kinds.includes('engagement')) await recordEngagement();
  if (kinds.length === 0 || kinds.includes('erasure')) await recordErasure();
}

void main();
