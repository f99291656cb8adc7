import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { customer, startTandem, testEnv, type Tandem } from '../support/harness';

// The LLM fails, hangs or talks garbage, through the whole product (API, workflow, worker, Ollama
// provider) against a fake Ollama server: every message still gets its HTTP answer within a bounded
// time. A server that fails, hangs or breaks off sends the conversation to a person with
// `llm_failure` recorded; a reply it wrote but that is unusable is replaced by the grounded article
// itself. (Messages are understood in-process; the LLM only writes answers and summaries.)

/** How the fake Ollama server treats /api/chat. */
type Mode = 'http-500' | 'hang' | 'garbage-body' | 'garbage-content' | 'wrong-shape';

/** Short, so a hanging model costs seconds per attempt rather than the production minute. */
const REQUEST_TIMEOUT_MS = 1_000;
/**
 * Worst case for a message, hung model: 3 answer attempts and 2 summarize attempts, each cut at
 * REQUEST_TIMEOUT_MS, with Temporal's backoff between them, plus scheduling on a busy CPU.
 */
const MESSAGE_DEADLINE_MS = 20_000;

let mode: Mode = 'http-500';
let chatRequests = 0;
const held = new Set<http.ServerResponse>();

function chatReply(res: http.ServerResponse, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ model: 'x', created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: true, done_reason: 'stop' }));
}

const fakeOllama = http.createServer((req, res) => {
  req.resume(); // the request body is not needed, only its end
  req.on('end', () => {
    if (req.url === '/api/tags') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ name: 'x' }] }));
      return;
    }
    chatRequests += 1;
    switch (mode) {
      case 'http-500':
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'model runner has unexpectedly stopped' }));
        return;
      case 'hang':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'garbage-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"model": "x", "message": {"role": "assis');
        return;
      case 'garbage-content':
        chatReply(res, 'Sure! Here is the answer you asked for: ��� }{');
        return;
      case 'wrong-shape':
        // JSON, but not what the request's format asked for.
        chatReply(res, '{"answer": 42}');
        return;
    }
  });
});

let tandem: Tandem;
const figures: string[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => fakeOllama.listen(0, '127.0.0.1', resolve));
  const { port } = fakeOllama.address() as AddressInfo;
  tandem = await startTandem({
    env: testEnv({ OLLAMA_HOST: `http://127.0.0.1:${port}`, OLLAMA_MODEL: 'x', OLLAMA_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }),
  });
}, 120_000);

afterAll(async () => {
  process.stderr.write(`[llm-faults] ${figures.join('; ')}\n`);
  await tandem?.stop();
  for (const res of held) res.destroy();
  fakeOllama.closeAllConnections();
  await new Promise((resolve) => fakeOllama.close(resolve));
}, 60_000);

async function timedCall(method: string, path: string, opts: { token?: string; body?: unknown }): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${method} ${path} took over ${MESSAGE_DEADLINE_MS} ms`)), MESSAGE_DEADLINE_MS);
  });
  try {
    const res = await Promise.race([tandem.call(method, path, opts), deadline]);
    return { ...res, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

test.each<[Mode]>([['garbage-content'], ['wrong-shape']])(
  'when the LLM writes %s, then the customer gets the grounded article itself, at once and cited',
  async (faultMode) => {
    mode = faultMode;
    chatRequests = 0;
    const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer() } });
    const { conversationId, token } = started.body as { conversationId: string; token: string };

    const first = await timedCall('POST', `/v1/conversations/${conversationId}/messages`, {
      token,
      body: { messageId: 'm1', text: 'where is my order?' },
    });

    expect(first.status).toBe(200);
    expect(first.body.status).toBe('ai');
    expect(first.body.reply).toMatchObject({ role: 'ai', citations: ['kb-track_order-1'] });
    expect(first.body.reply.text).not.toContain('Sure! Here is the answer');
    expect(chatRequests).toBe(1);
  },
  60_000,
);

test.each<[Mode]>([['http-500'], ['hang'], ['garbage-body']])(
  'when the LLM answers with %s, then the message is answered in bounded time and handed off with llm_failure',
  async (faultMode) => {
    mode = faultMode;
    chatRequests = 0;
    const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer() } });
    expect(started.status).toBe(201);
    const { conversationId, token } = started.body as { conversationId: string; token: string };

    const first = await timedCall('POST', `/v1/conversations/${conversationId}/messages`, {
      token,
      body: { messageId: 'm1', text: 'where is my order?' },
    });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('handoff');

    // Once with a person, the conversation takes messages without the model.
    const second = await timedCall('POST', `/v1/conversations/${conversationId}/messages`, {
      token,
      body: { messageId: 'm2', text: 'hello? anyone there?' },
    });
    expect(second.status).toBe(200);

    const view = await tandem.call('GET', `/v1/conversations/${conversationId}`, { token });
    expect(view.body.status).toBe('handoff');
    const reasons = (view.body.handoffs as { reasons: { code: string }[] }[]).flatMap((h) => h.reasons.map((r) => r.code));
    expect(reasons).toContain('llm_failure');
    const customerIds = (view.body.transcript as { id: string; role: string }[]).filter((m) => m.role === 'customer').map((m) => m.id);
    expect(customerIds).toEqual(['m1', 'm2']);
    expect(chatRequests).toBeGreaterThan(0);
    figures.push(`${faultMode}: handoff in ${first.ms} ms after ${chatRequests} model calls, next message ${second.ms} ms`);
  },
  60_000,
);
