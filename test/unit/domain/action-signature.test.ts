import { MAX_SIGNATURE_AGE_MS, signRequest, signatureProblem } from '../../../domain/action-signature';

const secret = 's'.repeat(40);
const now = 1_780_000_000_000;
const request = { method: 'POST', path: '/customers/cust-42/orders/1002/cancel', body: '{}' };
const signed = (changes: Partial<typeof request> = {}, timestampMs = now) => ({
  ...request,
  ...changes,
  timestamp: String(timestampMs),
  signature: signRequest(secret, { ...request, timestampMs }),
});

describe('action request signatures', () => {
  test('when a request is signed now with the shared secret, then it is accepted', () => {
    expect(signatureProblem(secret, signed(), now)).toBeUndefined();
  });

  test('when the signature or timestamp is missing, then it is unsigned', () => {
    expect(signatureProblem(secret, request, now)).toBe('unsigned');
  });

  test('when the request is older than the limit, then it is stale', () => {
    expect(signatureProblem(secret, signed({}, now - MAX_SIGNATURE_AGE_MS - 1), now)).toBe('stale_signature');
  });

  test('when the path, body or secret differs from what was signed, then the signature is bad', () => {
    expect(signatureProblem(secret, signed({ path: '/customers/cust-77/orders/1005/cancel' }), now)).toBe('bad_signature');
    expect(signatureProblem(secret, signed({ body: '{"all":true}' }), now)).toBe('bad_signature');
    expect(signatureProblem('t'.repeat(40), signed(), now)).toBe('bad_signature');
  });
});
