import { randomBytes, randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signRequest } from '../../domain/action-signature';
import type { EngagementState } from '../../domain/engagement';
import { conversationWorkflowId, engagementWorkflowId } from '../../domain/ids';
import { EngagementSignalAttr, conversationQuery, engagementQuery, proactiveMessageSignal } from '../../workflows/definitions';
import { agents, startTandem, testEnv, type Tandem } from '../support/harness';
import { startChat } from '../support/chat';
import { eventually } from '../support/eventually';
import { writeSupportConfig } from '../support/support-config';

// Proactive engagement on the real stack, with a quiet spell of seconds: the durable timer, business
// events applied once, the weekly cap, and no AI message while a person has the conversation.

const QUIET_MS = 2000;
const EVENTS_SECRET = randomBytes(32).toString('hex');
const WEEKLY_CAP = 2;
/** The agent who works the outreach queue. */
const olive = { id: 'olive', name: 'Olive Agent', token: `agent-olive-${randomUUID()}`, queues: ['outreach'], capacity: 20 };

let tandem: Tandem;
let operatorKey: string;

beforeAll(async () => {
  const file = writeSupportConfig((config) => {
    const rules = config.engagement!;
    rules.maxPerCustomerPerWeek = WEEKLY_CAP;
    // Only "that didn't work" makes an answer doubtful here, whatever the model's confidence.
    rules.quietAfterDoubtfulAnswer.afterMs = QUIET_MS;
    rules.quietAfterDoubtfulAnswer.confidenceBelow = 0;
  });
  tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: file, TANDEM_AGENTS: JSON.stringify([...agents, olive]), TANDEM_EVENTS_SECRET: EVENTS_SECRET }) });
  operatorKey = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
});

afterAll(async () => {
  await tandem?.stop();
});

const startConversation = () => startChat(tandem);
const transcriptOf = async (chat: { read: () => Promise<{ body: any }> }) => (await chat.read()).body.transcript as any[];

const postEvent = (event: { eventId: string; customerId: string; kind: string; orderNumber?: string }) =>
  tandem.call('POST', '/v1/events', { token: operatorKey, body: event });

const outreachTasksOf = (customerId: string) => tandem.runtime.models.Task.find({ 'customer.id': customerId, queue: 'outreach' }).lean();

test('when a customer says an answer did not work and then goes quiet, then an outreach task with that reason reaches the outreach queue', async () => {
  const chat = await startConversation();
  expect((await chat.say('hw do i chnage my shiping adress')).body.status).toBe('ai');
  const second = await chat.say("I tried that and it didn't work. How do I change my shipping address?");
  expect(second.body.status).toBe('ai');
  expect(second.body.reply.role).toBe('ai');

  const listed = await eventually(async () => {
    const { body } = await tandem.call('GET', '/v1/agent/tasks', { token: olive.token });
    return (body.tasks as any[]).find((t) => t.conversationId === chat.conversationId);
  });

  expect(listed.reasons).toEqual(['outreach:quiet_after_doubtful_answer']);
  expect(listed.summary.issue).toMatch(/didn't work, then went quiet for 2 seconds/);
  expect(listed.summary.suggestedFirstLine).toMatch(/^Hi Dana, I saw our last answer may not have solved it/);
  // Claimed and sent like any task: the customer reads the agent's message in the same conversation.
  expect((await tandem.call('POST', `/v1/agent/tasks/${listed.taskId}/claim`, { token: olive.token, body: {} })).status).toBe(200);
  const reply = await tandem.call('POST', `/v1/agent/tasks/${listed.taskId}/reply`, {
    token: olive.token,
    body: { actionId: 'o1', text: listed.summary.suggestedFirstLine },
  });
  expect(reply.status).toBe(200);
  const transcript = await transcriptOf(chat);
  expect(transcript.at(-1)).toMatchObject({ role: 'agent', authorId: 'olive', text: listed.summary.suggestedFirstLine });
  const engagement = tandem.api.deps.temporal.workflow.getHandle(engagementWorkflowId(chat.customerId));
  expect((await engagement.describe()).typedSearchAttributes.get(EngagementSignalAttr)).toEqual(['quiet_after_doubtful_answer']);
}, 60_000);

test('when a customer keeps writing after a doubtful answer, then no quiet-spell outreach is raised', async () => {
  const chat = await startConversation();
  await chat.say('hw do i chnage my shiping adress');
  await chat.say("that didn't work, how do I change my shipping address?");
  await chat.say('ok found it, thanks');
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS + 2000));

  expect(await outreachTasksOf(chat.customerId)).toHaveLength(0);
}, 60_000);

test('when a late-order event is posted twice, then the customer gets exactly one outreach task, in their open conversation', async () => {
  const chat = await startConversation();
  await chat.say('where is my order 1001?');
  const event = { eventId: `late-${randomUUID()}`, customerId: chat.customerId, kind: 'order_late', orderNumber: '1001' };

  const [a, b] = await Promise.all([postEvent(event), postEvent(event)]);
  const again = await postEvent(event);

  for (const res of [a, b, again]) expect(res.status).toBe(200);
  expect(a.body.taskId).toBeDefined();
  expect([a.body, b.body, again.body].map((r) => r.taskId)).toEqual([a.body.taskId, a.body.taskId, a.body.taskId]);
  const first = a.body.duplicate ? b.body : a.body;
  expect(first).toMatchObject({ outcome: 'outreach_task', conversationId: chat.conversationId, duplicate: false });
  expect([a.body.duplicate, b.body.duplicate].sort()).toEqual([false, true]);
  expect(again.body).toMatchObject({ outcome: 'outreach_task', duplicate: true });
  const tasks = await eventually(async () => {
    const found = await outreachTasksOf(chat.customerId);
    return found.length > 0 ? found : undefined;
  });
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ conversationId: chat.conversationId, reasons: ['outreach:event:order_late'] });
  expect(tasks[0]!.summary?.suggestedFirstLine).toMatch(/your order 1001 is running late/);
});

test('when events keep coming for one customer, then outreach stops at the weekly cap', async () => {
  const chat = await startConversation();
  const outcomes: string[] = [];
  for (const n of [1, 2, 3, 4]) {
    const res = await postEvent({ eventId: `cap-${n}-${randomUUID()}`, customerId: chat.customerId, kind: 'delivery_returned', orderNumber: `10${n}` });
    expect(res.status).toBe(200);
    outcomes.push(res.body.outcome);
  }

  expect(outcomes).toEqual(['outreach_task', 'outreach_task', 'capped', 'capped']);
  const state: EngagementState = await tandem.api.deps.temporal.workflow.getHandle(engagementWorkflowId(chat.customerId)).query(engagementQuery);
  expect(state.outreach.map((r) => r.outcome)).toEqual(outcomes);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(await outreachTasksOf(chat.customerId)).toHaveLength(WEEKLY_CAP);
});

test('when a person has the conversation, then no proactive AI message reaches the customer; with the AI, it does', async () => {
  const withPerson = await startConversation();
  const handedOff = await tandem.call('POST', `/v1/conversations/${withPerson.conversationId}/human`, { token: withPerson.token, body: { requestId: 'h1' } });
  expect(handedOff.body.status).toBe('handoff');
  const withAi = await startConversation();
  await withAi.say('hi');

  const refused = await postEvent({ eventId: `pay-${randomUUID()}`, customerId: withPerson.customerId, kind: 'payment_failed', orderNumber: '1001' });
  const sent = await postEvent({ eventId: `pay-${randomUUID()}`, customerId: withAi.customerId, kind: 'payment_failed', orderNumber: '1002' });
  // Even a message that slips past the engagement's view (sent straight to the workflow) is withheld.
  const conversation = tandem.api.deps.temporal.workflow.getHandle(conversationWorkflowId(withPerson.conversationId));
  await conversation.signal(proactiveMessageSignal, { signalId: 'direct', text: 'Your payment failed.' });

  expect(refused.body.outcome).toBe('with_a_person');
  expect(sent.body).toMatchObject({ outcome: 'ai_message', conversationId: withAi.conversationId });
  const proactive = (transcript: any[]) => transcript.filter((m) => String(m.id).startsWith('proactive-'));
  expect(proactive((await conversation.query(conversationQuery)).transcript)).toEqual([]);
  expect(proactive(await transcriptOf(withPerson))).toEqual([]);
  const delivered = await eventually(async () => proactive(await transcriptOf(withAi))[0]);
  expect(delivered).toMatchObject({ role: 'ai', text: expect.stringMatching(/payment for your order 1002 didn't go through/) });
});

test('when the business signs an event, then it is taken without an operator key; a forged or stale signature gets 401', async () => {
  const chat = await startConversation();
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${tandem.api.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (body: string, timestampMs: number, secret = EVENTS_SECRET) => ({
    [TIMESTAMP_HEADER]: String(timestampMs),
    [SIGNATURE_HEADER]: signRequest(secret, { method: 'POST', path: '/v1/events', body, timestampMs }),
  });
  const body = JSON.stringify({ eventId: `signed-${randomUUID()}`, customerId: chat.customerId, kind: 'delivery_returned', orderNumber: '1001' });

  const forged = await post(body, signed(body, Date.now(), randomBytes(32).toString('hex')));
  const stale = await post(body, signed(body, Date.now() - 10 * 60_000));
  const accepted = await post(body, signed(body, Date.now()));

  expect([forged.status, stale.status]).toEqual([401, 401]);
  expect(((await forged.json()) as any).error.message).toMatch(/bad_signature/);
  expect(((await stale.json()) as any).error.message).toMatch(/stale_signature/);
  expect(accepted.status).toBe(200);
  expect(await accepted.json()).toMatchObject({ outcome: 'outreach_task', duplicate: false, conversationId: chat.conversationId });
});
