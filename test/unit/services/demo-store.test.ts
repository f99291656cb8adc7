import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signRequest } from '../../../domain/action-signature';
import { startDemoStore, type RunningDemoStore } from '../../../services/demo-store/store';

// The demo store on a loopback port of its own: what a business's API must do for Tandem's actions.

const secret = 'd'.repeat(48);
let store: RunningDemoStore;
beforeEach(async () => {
  store = await startDemoStore({ port: 0, secret });
});
afterEach(async () => {
  await store.close();
});

async function signed(method: 'GET' | 'POST', path: string, idempotencyKey?: string) {
  const timestampMs = Date.now();
  const body = method === 'POST' ? '{}' : '';
  const response = await fetch(`${store.url}${path}`, {
    method,
    headers: {
      [TIMESTAMP_HEADER]: String(timestampMs),
      [SIGNATURE_HEADER]: signRequest(secret, { method, path, body, timestampMs }),
      ...(idempotencyKey ? { [IDEMPOTENCY_HEADER]: idempotencyKey } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body || undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('demo store', () => {
  test("when a customer's own order is read, then it is answered; another customer's order is the same 404 as a missing one", async () => {
    const own = await signed('GET', '/customers/cust-42/orders/1001');
    const others = await signed('GET', '/customers/cust-77/orders/1001');
    const missing = await signed('GET', '/customers/cust-77/orders/9999');

    expect(own).toMatchObject({ status: 200, body: { status: 'shipped', carrier: 'Royal Mail' } });
    expect(others).toEqual(missing);
    expect(others.status).toBe(404);
  });

  test('when a cancel is retried with its key, then it is applied once and the retry gets the first answer', async () => {
    const first = await signed('POST', '/customers/cust-42/orders/1002/cancel', 'k1');
    const retry = await signed('POST', '/customers/cust-42/orders/1002/cancel', 'k1');

    expect(first).toMatchObject({ status: 200, body: { status: 'cancelled', refundAmount: '129.00' } });
    expect(retry).toEqual(first);
    expect(store.calls.map((c) => [c.effect, c.replayed])).toEqual([
      ['cancelled', undefined],
      [undefined, true],
    ]);
  });

  test('when a write has no key, reuses a key for another order, or cancels a shipped order, then it is refused with a code', async () => {
    await signed('POST', '/customers/cust-42/orders/1002/cancel', 'k1');

    expect((await signed('POST', '/customers/cust-42/orders/1002/cancel')).body.error.code).toBe('idempotency_key_required');
    expect((await signed('POST', '/customers/cust-77/orders/1005/cancel', 'k1')).body.error.code).toBe('idempotency_key_reused');
    expect(await signed('POST', '/customers/cust-42/orders/1001/cancel', 'k2')).toMatchObject({ status: 409, body: { error: { code: 'already_shipped' } } });
  });
});
