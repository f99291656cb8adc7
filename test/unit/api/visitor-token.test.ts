import type { Request, Response } from 'express';
import { Auth } from '../../../api/auth';

// Visitor tokens are what a browser holds: they must open their own conversation only, and only
// until they expire. Checked on the real middleware with a clock the test moves.

const TTL_SECONDS = 600;
let now = Date.parse('2026-12-01T10:00:00.000Z');
const auth = new Auth({
  apiKeys: ['key-aaaaaaaaaaaaaaaa'],
  operatorKeys: ['op-aaaaaaaaaaaaaaaaa'],
  tokenSecret: 's'.repeat(32),
  agents: [],
  widgetKeys: [],
  widgetOrigins: [],
  visitorTokenTtlSeconds: TTL_SECONDS,
  now: () => now,
});

/** What the conversation middleware does with this credential on this conversation's route. */
function open(conversationId: string, credential: string): string {
  const req = { params: { conversationId }, get: (name: string) => (name === 'authorization' ? `Bearer ${credential}` : undefined) };
  try {
    auth.conversation(req as unknown as Request, {} as Response, () => undefined);
    return 'opened';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

test('when a visitor token is used on its conversation before it expires, then it opens it, and only it', () => {
  const { token, expiresAt } = auth.visitorToken('conv-a');

  expect(open('conv-a', token)).toBe('opened');
  expect(open('conv-b', token)).toBe('forbidden');
  expect(Date.parse(expiresAt) - now).toBe(TTL_SECONDS * 1000);
});

test('when a visitor token has expired, then it is refused as token_expired, and a forged expiry as forbidden', () => {
  const { token } = auth.visitorToken('conv-a');
  const [version, expires, signature] = token.split('.');
  const extended = `${version}.${Number(expires) + 3600}.${signature}`;

  now += TTL_SECONDS * 1000;

  expect(open('conv-a', token)).toBe('token_expired');
  expect(open('conv-a', extended)).toBe('forbidden');
  expect(open('conv-b', token)).toBe('forbidden');
});

test('when the conversation token or the API key is presented, then only the conversation token opens the conversation', () => {
  expect(open('conv-a', auth.conversationToken('conv-a'))).toBe('opened');
  expect(open('conv-a', 'key-aaaaaaaaaaaaaaaa')).toBe('forbidden');
});
