import { customer, startTandem, testEnv, type Tandem } from '../support/harness';

// Every real part wired together: a conversation workflow on the Temporal dev server whose
// activities understand the message in process, have the real Ollama server (Qwen2.5 0.5B) write
// the answer from the grounded article, and write through mongoose to FerretDB, read back through
// the HTTP API.

let tandem: Tandem;

beforeAll(async () => {
  const host = process.env.OLLAMA_HOST;
  const model = process.env.OLLAMA_MODEL;
  if (!host || !model) throw new Error('OLLAMA_HOST and OLLAMA_MODEL must come from the test stack');
  // The reply itself is what this test reads back: on two loaded cores the 0.5B model can take
  // longer than the default 10 s bound, which would answer 202 pending (the faults tests cover that).
  tandem = await startTandem({ env: testEnv({ OLLAMA_HOST: host, OLLAMA_MODEL: model, TANDEM_ANSWER_WITHIN_MS: '60000' }) });
}, 120_000);

afterAll(async () => {
  await tandem?.stop();
});

test('when a message goes through the Ollama path, then the in-process classification and the grounded reply are stored and served back', async () => {
  const profile = customer();
  const started = await tandem.call('POST', '/v1/conversations', {
    body: { customer: profile, firstMessage: { messageId: 'e2e-1', text: 'where is my order?' } },
  });
  const { conversationId, token } = started.body;

  const health = await tandem.call('GET', '/health');
  const conversation = await tandem.call('GET', `/v1/conversations/${conversationId}`, { token });
  const stored = await waitForStored(tandem, conversationId);

  expect(started.status).toBe(201);
  expect(health.body.llm).toEqual(expect.objectContaining({ up: true, provider: 'ollama' }));
  const [first, reply] = conversation.body.transcript;
  expect(first.classification).toMatchObject({ intent: 'track_order', category: 'order_status' });
  expect(reply).toMatchObject({ role: 'ai', citations: ['kb-track_order-1'] });
  expect(conversation.body.transcript.length).toBe(2);
  expect(stored.map((m) => m.messageId)).toEqual(conversation.body.transcript.map((m: { id: string }) => m.id));
  expect(stored[0]?.classification?.modelVersion).toBe(first.classification.modelVersion);
}, 120_000);

async function waitForStored(t: Tandem, conversationId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const messages = await t.runtime.models.Message.find({ conversationId }).sort({ seq: 1 }).lean();
    if (messages.length >= 2 || Date.now() > deadline) return messages;
    await new Promise((r) => setTimeout(r, 200));
  }
}
