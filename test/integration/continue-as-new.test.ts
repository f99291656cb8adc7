import { customer, startTandem, testEnv, type Tandem } from '../support/harness';
import { ANSWERABLE_QUESTIONS } from '../support/questions';
import { writeSupportConfig } from '../support/support-config';
import { conversationWorkflowId } from '../../domain/ids';

// A long conversation moves to a new workflow run before its history grows too large, carrying
// everything: the customer notices nothing, and a retried message is still applied once.

let tandem: Tandem;

beforeAll(async () => {
  const file = writeSupportConfig((config) => {
    config.messagesPerRun = 10;
  });
  tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: file }) });
});

afterAll(async () => {
  await tandem?.stop();
});

const questions = ANSWERABLE_QUESTIONS.slice(0, 12);

test('when a conversation passes the messages-per-run limit, then it continues as new with its whole transcript', async () => {
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer() } });
  const { conversationId, token } = started.body;
  const handle = tandem.api.deps.temporal.workflow.getHandle(conversationWorkflowId(conversationId));
  const firstRun = (await handle.describe()).runId;
  const replies: unknown[] = [];

  for (const [i, text] of questions.entries()) {
    const res = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId: `q${i}`, text } });
    expect(res.status).toBe(200);
    replies.push(res.body.reply);
  }
  const secondRun = await runAfter(handle, firstRun);
  const retried = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, {
    token,
    body: { messageId: 'q2', text: questions[2] },
  });
  const conversation = await tandem.call('GET', `/v1/conversations/${conversationId}`, { token });

  expect(secondRun).not.toBe(firstRun);
  const customerIds = conversation.body.transcript.filter((m: { role: string }) => m.role === 'customer').map((m: { id: string }) => m.id);
  expect(customerIds).toEqual(questions.map((_, i) => `q${i}`));
  expect(retried.body.reply).toEqual(replies[2]);
});

/** The run id once it differs from `previous` (the move happens just after the last reply), or after 10 s. */
async function runAfter(handle: { describe(): Promise<{ runId: string }> }, previous: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { runId } = await handle.describe();
    if (runId !== previous || Date.now() > deadline) return runId;
    await new Promise((r) => setTimeout(r, 100));
  }
}
