import { createHmac, timingSafeEqual } from 'node:crypto';

// How a request to the business's API is signed, written once for both sides: the worker signs,
// the business (the demo store here) verifies. HMAC-SHA256 over the timestamp, method, path and
// body, so a captured request can be replayed neither later nor against another order or customer.
// Not for workflow code (node:crypto): the activity that calls the API signs.

export const SIGNATURE_HEADER = 'x-tandem-signature';
export const TIMESTAMP_HEADER = 'x-tandem-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** A request older or newer than this is stale: replays and skewed clocks alike. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

export interface SignedParts {
  method: string;
  path: string;
  body: string;
  timestampMs: number;
}

export function signRequest(secret: string, parts: SignedParts): string {
  const payload = `${parts.timestampMs}\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.body}`;
  return `v1=${createHmac('sha256', secret).update(payload).digest('hex')}`;
}

export type SignatureProblem = 'unsigned' | 'stale_signature' | 'bad_signature';

/** Why a request's signature is not acceptable, or undefined when it is. */
export function signatureProblem(
  secret: string,
  request: { method: string; path: string; body: string; timestamp?: string; signature?: string },
  nowMs: number,
): SignatureProblem | undefined {
  if (!request.signature || !request.timestamp) return 'unsigned';
  const timestampMs = Number(request.timestamp);
  if (!Number.isInteger(timestampMs) || Math.abs(nowMs - timestampMs) > MAX_SIGNATURE_AGE_MS) return 'stale_signature';
  const expected = Buffer.from(signRequest(secret, { ...request, timestampMs }));
  const given = Buffer.from(request.signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'bad_signature';
}
