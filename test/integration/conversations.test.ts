import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customer, startTandem, type Tandem } from '../support/harness';
import { startChat } from '../support/chat';

// The heart of the product, end to end: real HTTP, real Temporal dev server, real FerretDB,
// the embedded model.

let tandem: Tandem;

beforeAll(async () => {
  tandem = await startTandem();
});

afterAll(async () => {
  await tandem?.stop();
});

const startConversation = (profile = customer()) => startChat(tandem, profile);

const reasonCodes = (outcome: { handoff?: { reasons: { code: string }[] } }) => outcome.handoff?.reasons.map((r) => r.code) ?? [];

describe('a customer talking to the AI', () => {
  test('when a customer asks where their order is, then the AI answers citing a knowledge article', async () => {
    const { say } = await startConversation();

    // Without an order number: with one, the AI looks the order up instead (actions.test.ts).
    const res = await say('where is my order?');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ai');
    expect(res.body.reply.role).toBe('ai');
    expect(res.body.reply.text).toMatch(/order/i);
    expect(res.body.reply.text).not.toMatch(/\{\{/);
    expect(res.body.reply.citations.length).toBeGreaterThan(0);
    expect(res.body.reply.citations[0]).toMatch(/^kb-/);
  });

  test('when the first message comes with the start, then one call creates the conversation and answers it', async () => {
    const res = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer(), firstMessage: { messageId: 'first', text: 'how do I track my order?' } },
    });

    expect(res.status).toBe(201);
    expect(res.body.token).toEqual(expect.any(String));
    expect(res.body.outcome.reply.role).toBe('ai');
  });

  test('when the customer is angry and wants to cancel, then a person takes over with keyword and category reasons', async () => {
    const { say } = await startConversation();

    const res = await say('this is useless, I want to cancel');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('handoff');
    expect(reasonCodes(res.body)).toEqual(expect.arrayContaining(['keyword', 'category:cancellation']));
    expect(res.body.reply.role).toBe('system');
    expect(res.body.handoff.taskId).toMatch(/^handoff-.+-1$/);
  });

  test('when the customer asks the same thing three times in different words, then it escalates with repeat', async () => {
    const { say } = await startConversation();

    const first = await say('where is my order?');
    const second = await say('can you tell me the status of my order?');
    const third = await say('what is the status of my purchase');

    expect(first.body.status).toBe('ai');
    expect(second.body.status).toBe('ai');
    expect(third.body.status).toBe('handoff');
    expect(reasonCodes(third.body)).toContain('repeat');
  });

  test('when the customer asks for a person, then it escalates with human_request', async () => {
    const { say } = await startConversation();

    const res = await say('can I talk to a person');

    expect(res.body.status).toBe('handoff');
    expect(reasonCodes(res.body)).toContain('human_request');
  });

  test('when a person has taken over, then the AI sends nothing more and messages reach the transcript', async () => {
    const { say, read } = await startConversation();
    await say('can I talk to a person');

    const later = await say('where is my order 123?');
    const conversation = await read();

    expect(later.status).toBe(200);
    expect(later.body.status).toBe('handoff');
    // Off-hours the customer gets one holding line from the system; never an AI answer.
    expect(later.body.reply?.role ?? 'none').not.toBe('ai');
    const roles = conversation.body.transcript.map((m: { role: string }) => m.role);
    expect(roles.slice(0, 3)).toEqual(['customer', 'system', 'customer']);
    expect(roles).not.toContain('ai');
  });

  test('when a message is retried with the same id, then it appears once and gets the same reply', async () => {
    const { say, read } = await startConversation();

    const first = await say('where is my order 123?', 'retry-me');
    const retried = await say('where is my order 123?', 'retry-me');
    const conversation = await read();

    expect(retried.status).toBe(200);
    expect(retried.body.reply).toEqual(first.body.reply);
    const ids = conversation.body.transcript.map((m: { id: string }) => m.id);
    expect(ids.filter((id: string) => id === 'retry-me')).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  test('when a person is asked for by button, then the handoff says customer_request', async () => {
    const { conversationId, token } = await startConversation();

    const res = await tandem.call('POST', `/v1/conversations/${conversationId}/human`, { token, body: { requestId: 'r1' } });

    expect(res.status).toBe(200);
    expect(reasonCodes(res.body)).toEqual(['customer_request']);
  });
});

describe('what an agent does with the handoff', () => {
  test('when an agent claims, replies and resolves, then the customer sees the reply and the AI answers again', async () => {
    const { say, read, conversationId } = await startConversation();
    const handoff = await say('I want to speak to a human');
    const taskId = handoff.body.handoff.taskId as string;
    const dana = (await import('../support/harness')).agents[0]!;

    const claimed = await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });
    const secondClaim = await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} });
    const replied = await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, {
      token: dana.token,
      body: { actionId: 'a1', text: 'Hi Dana, I can help with that.' },
    });
    const resolved = await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, {
      token: dana.token,
      body: { note: 'refund denied per policy', closingMessage: 'All sorted, Dana. Have a good day!', confirmedCategory: 'human_request' },
    });
    const afterwards = await say('where is my order 123?');
    const conversation = await read();

    expect(claimed.status).toBe(200);
    expect(secondClaim.status).toBe(409);
    expect(secondClaim.body.error.code).toBe('already_claimed');
    expect(replied.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');
    expect(afterwards.body.status).toBe('ai');
    expect(afterwards.body.reply.role).toBe('ai');
    const agentTurns = conversation.body.transcript.filter((m: { role: string }) => m.role === 'agent');
    expect(agentTurns).toEqual([
      expect.objectContaining({ text: 'Hi Dana, I can help with that.', authorId: 'dana' }),
      expect.objectContaining({ text: 'All sorted, Dana. Have a good day!', authorId: 'dana' }),
    ]);
    // The resolution note is for agents: it never reaches the customer's transcript.
    expect(JSON.stringify(conversation.body.transcript)).not.toContain('refund denied');
    const confirmations = await tandem.runtime.models.Feedback.find({ conversationId }).lean();
    expect(confirmations).toEqual([expect.objectContaining({ category: 'human_request', agentId: 'dana' })]);
  });
});

describe('what the API refuses', () => {
  test('when a message is empty, too long, or not JSON, then the API answers 4xx with a stable code', async () => {
    const { conversationId, token, say } = await startConversation();

    const empty = await say('   ');
    const tooLong = await say('x'.repeat(4001));
    const malformed = await fetch(`${tandem.api.url}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"messageId": "m1", "text": ',
    });
    const wrongType = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, {
      token,
      body: { messageId: 'm2', text: 42 },
    });

    expect([empty.status, empty.body.error.code]).toEqual([422, 'empty_message']);
    expect([tooLong.status, tooLong.body.error.code]).toEqual([413, 'message_too_long']);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
    expect([wrongType.status, wrongType.body.error.code]).toEqual([400, 'invalid_request']);
  });

  test("when a conversation's token is used on another conversation, then it is forbidden", async () => {
    const mine = await startConversation();
    const theirs = await startConversation();

    const res = await tandem.call('GET', `/v1/conversations/${theirs.conversationId}`, { token: mine.token });
    const noCredential = await fetch(`${tandem.api.url}/v1/conversations/${theirs.conversationId}`);

    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
    expect(noCredential.status).toBe(401);
  });

  test('when the conversation does not exist, then messages get 404', async () => {
    const ghost = 'no-such-conversation';
    const token = tandem.api.deps.auth.conversationToken(ghost);

    const res = await tandem.call('POST', `/v1/conversations/${ghost}/messages`, { token, body: { messageId: 'm1', text: 'hello' } });

    expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
  });
});

describe('what the business sees', () => {
  test('when conversations are escalated, then the read model lists them by status, reason and customer', async () => {
    const profile = customer();
    const { conversationId, say } = await startConversation(profile);
    await say('can I talk to a person');

    const listed = await waitFor(async () => {
      const res = await tandem.call('GET', `/v1/conversations?customerId=${profile.id}&status=handoff&escalationReason=human_request`);
      return res.body.conversations.length === 1 ? res : undefined;
    });

    expect(listed.body.conversations[0]).toEqual(
      expect.objectContaining({ conversationId, status: 'handoff', category: 'human_request', escalationReasons: ['human_request'] }),
    );
  });

  test('when the customer rates the conversation, then the rating is kept with who handled it', async () => {
    const { conversationId, token, say } = await startConversation();
    await say('where is my order 123?');

    const rated = await tandem.call('POST', `/v1/conversations/${conversationId}/rating`, { token, body: { score: 5, comment: 'quick' } });
    const invalid = await tandem.call('POST', `/v1/conversations/${conversationId}/rating`, { token, body: { score: 9 } });

    expect(rated.status).toBe(200);
    expect(rated.body).toEqual(expect.objectContaining({ score: 5, handler: 'ai' }));
    expect(invalid.status).toBe(400);
  });

  test('when the customer has a webhook and an event stream, then both receive the AI reply', async () => {
    const received: unknown[] = [];
    const hook = await listen((body) => received.push(body));
    const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer(), webhookUrl: hook.url } });
    const { conversationId, token } = started.body;
    const stream = await fetch(`${tandem.api.url}/v1/conversations/${conversationId}/events`, { headers: { authorization: `Bearer ${token}` } });

    await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId: 'm1', text: 'where is my order 123?' } });

    const events = await readEvents(stream, 2);
    expect(events.map((e) => e.role)).toEqual(['customer', 'ai']);
    await waitFor(async () => (received.length > 0 ? true : undefined));
    expect(received[0]).toEqual(expect.objectContaining({ conversationId, message: expect.objectContaining({ role: 'ai' }) }));
    hook.server.close();
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function listen(onBody: (body: unknown) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      onBody(JSON.parse(data));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

async function readEvents(response: Response, count: number): Promise<{ role: string }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { role: string }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (data) events.push(JSON.parse(data.slice(6)));
    }
  }
  await reader.cancel();
  return events;
}
