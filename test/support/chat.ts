import { customer, type Tandem } from './harness';

/** A conversation started through the API with the business's key; `say` numbers messages m1, m2, … unless given an id. */
export async function startChat(tandem: Tandem, profile = customer()) {
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: profile } });
  expect(started.status).toBe(201);
  const { conversationId, token } = started.body as { conversationId: string; token: string };
  let n = 0;
  const say = (text: string, messageId = `m${++n}`) =>
    tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId, text } });
  const read = () => tandem.call('GET', `/v1/conversations/${conversationId}`, { token });
  return { customerId: profile.id, conversationId, token, say, read };
}
