import { customer, startTandem, testEnv, type Tandem } from '../support/harness';
import { ANSWERABLE_QUESTIONS } from '../support/questions';
import { writeSupportConfig } from '../support/support-config';

// A conversation the AI is handling closes by itself after a quiet spell; every message starts
// the spell again.

const IDLE_CLOSE_MS = 3000;
let tandem: Tandem;

beforeAll(async () => {
  const file = writeSupportConfig((config) => {
    config.idleCloseMs = IDLE_CLOSE_MS;
  });
  tandem = await startTandem({ env: testEnv({ TANDEM_SUPPORT_CONFIG: file }) });
});

afterAll(async () => {
  await tandem?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('when a conversation goes quiet, then it closes one idle period after its last message, not its first', async () => {
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer() } });
  const { conversationId, token } = started.body;
  const send = (messageId: string, text: string) =>
    tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId, text } });
  const status = async (): Promise<string> => (await tandem.call('GET', `/v1/conversations/${conversationId}`, { token })).body.status;

  expect((await send('first', ANSWERABLE_QUESTIONS[0] as string)).status).toBe(200);
  await sleep(IDLE_CLOSE_MS * 0.6);
  expect((await send('second', ANSWERABLE_QUESTIONS[1] as string)).status).toBe(200);
  const lastMessageAt = Date.now();

  // Past the first message's idle period, inside the second's.
  await sleep(IDLE_CLOSE_MS * 0.7);
  expect(await status()).toBe('ai');

  let closedAfter = Infinity;
  while (Date.now() - lastMessageAt < IDLE_CLOSE_MS * 3) {
    if ((await status()) === 'closed') {
      closedAfter = Date.now() - lastMessageAt;
      break;
    }
    await sleep(100);
  }
  expect(closedAfter).toBeGreaterThanOrEqual(IDLE_CLOSE_MS - 200);
  expect(closedAfter).toBeLessThan(IDLE_CLOSE_MS + 2000);
}, 30_000);
