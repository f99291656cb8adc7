import { MAX_MESSAGE_LENGTH } from '../../domain/conversation';
import { customer, startTandem, type Tandem } from '../support/harness';

// Hostile or broken requests get a clear 4xx with a stable code, and the API keeps serving.

let tandem: Tandem;
let messagesUrl: string;
let token: string;

beforeAll(async () => {
  tandem = await startTandem();
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer() } });
  token = started.body.token;
  messagesUrl = `${tandem.api.url}/v1/conversations/${started.body.conversationId}/messages`;
});

afterAll(async () => {
  await tandem?.stop();
});

async function post(body: string | Buffer, contentType = 'application/json'): Promise<{ status: number; code?: string }> {
  const res = await fetch(messagesUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined };
}

test('when the body is larger than the limit, then 413 body_too_large', async () => {
  const res = await post(JSON.stringify({ messageId: 'big', text: 'x'.repeat(200_000) }));

  expect(res).toEqual({ status: 413, code: 'body_too_large' });
});

test.each([
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', 'messageId=a&text=hello'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--x--'],
  ['application/xml', '<message>hello</message>'],
])('when the body is %s, then 415 unsupported_media_type', async (contentType, body) => {
  const res = await post(body, contentType);

  expect(res).toEqual({ status: 415, code: 'unsupported_media_type' });
});

test.each([
  ['an array nested 30,000 deep', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
  ['a field nested 10,000 deep', `{"messageId":"deep","text":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`],
])('when the JSON is %s, then a 4xx and the API still answers', async (_name, body) => {
  const res = await post(body);

  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect((await tandem.call('GET', '/health')).status).toBe(200);
});

test('when the body is not valid UTF-8, then 400 invalid_utf8', async () => {
  const valid = Buffer.from('{"messageId":"utf","text":"caf');
  const body = Buffer.concat([valid, Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);

  const res = await post(body);

  expect(res).toEqual({ status: 400, code: 'invalid_utf8' });
});

test.each([
  ['cut short', '{"messageId": "m", "text": '],
  ['a bare null', 'null'],
])('when the JSON is %s, then 400 malformed_json', async (_name, body) => {
  expect(await post(body)).toEqual({ status: 400, code: 'malformed_json' });
});

test.each([
  ['just over the limit', MAX_MESSAGE_LENGTH + 1],
  ['far over the limit', MAX_MESSAGE_LENGTH * 10],
])('when the message text is %s, then 413 message_too_long', async (_name, length) => {
  const res = await post(JSON.stringify({ messageId: `long-${length}`, text: 'a'.repeat(length) }));

  expect(res).toEqual({ status: 413, code: 'message_too_long' });
});

test.each([
  ['a number as text', { messageId: 'n', text: 42 }],
  ['an unknown field', { messageId: 'u', text: 'hi', admin: true }],
  ['a message id with a slash', { messageId: '../etc', text: 'hi' }],
])('when the body has %s, then 400 invalid_request', async (_name, body) => {
  expect(await post(JSON.stringify(body))).toEqual({ status: 400, code: 'invalid_request' });
});

test('when the message is empty, then 422 empty_message', async () => {
  expect(await post(JSON.stringify({ messageId: 'empty', text: '   ' }))).toEqual({ status: 422, code: 'empty_message' });
});

test.each([
  ['a NUL', 'where is my order\u0000 1001'],
  ['an escape sequence', 'hello \u001b[31mred'],
])('when the message holds %s, then 422 control_characters and nothing is added', async (_name, text) => {
  const res = await post(JSON.stringify({ messageId: `control-${text.length}`, text }));

  expect(res).toEqual({ status: 422, code: 'control_characters' });
});

test('when a message id is sent again with another text, then 409 message_id_reused; the same text gets the first answer', async () => {
  const first = await fetch(messagesUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messageId: 'reused', text: 'how do i reset my password' }),
  });
  const firstReply = (await first.json()) as { reply: { id: string } };

  const other = await post(JSON.stringify({ messageId: 'reused', text: 'cancel my order' }));
  const retry = await fetch(messagesUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messageId: 'reused', text: 'how do i reset my password' }),
  });

  expect(other).toEqual({ status: 409, code: 'message_id_reused' });
  expect(retry.status).toBe(200);
  expect(((await retry.json()) as { reply: { id: string } }).reply.id).toBe(firstReply.reply.id);
});
