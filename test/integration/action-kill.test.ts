import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startWebServer, stopWebServer, type RunningWebServer } from '../../api/server';
import type { Env } from '../../config/env';
import { bundleWorkflows, listProcesses, sleep, stopProcess } from '../../scripts/stack/processes';
import { REPO_ROOT } from '../../scripts/stack/paths';
import { startDemoStore, type RunningDemoStore } from '../../services/demo-store/store';
import { customer, testEnv } from '../support/harness';
import { requestJson } from '../support/http';
import { startWorkerProcess } from '../support/worker-process';

// A confirmed write runs exactly once even when the worker dies mid-call: the worker is a real
// process, SIGKILLed after the store applied the cancel and before its answer arrived. Temporal
// retries the activity on a new worker with the same idempotency key, and the store answers the
// retry from the first time. Runs on the shared test stack's Temporal and database: only the worker dies.

const RUN_DIR = path.join(REPO_ROOT, '.run', 'action-kill');
const secret = randomBytes(32).toString('hex');
let store: RunningDemoStore;
let env: Env;
let api: RunningWebServer;
let bundlePath: string;

beforeAll(async () => {
  // The store holds its answer to a write for 3 s after applying it: the window the kill lands in.
  store = await startDemoStore({ port: 0, secret, writeDelayMs: 3000 });
  env = testEnv({ TANDEM_ACTIONS_URL: store.url, TANDEM_ACTIONS_SECRET: secret });
  bundlePath = bundleWorkflows(RUN_DIR);
  await startWorker();
  api = await startWebServer(env);
}, 180_000);

afterAll(async () => {
  await stopProcess(RUN_DIR, 'worker');
  await stopWebServer();
  await store?.close();
}, 60_000);

/** The production worker as a process of its own, calling the demo store. */
async function startWorker(): Promise<void> {
  await startWorkerProcess(RUN_DIR, env, bundlePath, { TANDEM_ACTIONS_URL: store.url, TANDEM_ACTIONS_SECRET: secret });
}

function call(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  return requestJson(api.url, method, route, token, body, 90_000);
}

test('when the worker is SIGKILLed between the confirmation and the cancel call, then the store cancels the order exactly once', async () => {
  const started = await call('POST', '/v1/conversations', env.TANDEM_API_KEYS[0] as string, { customer: customer({ id: 'cust-42' }) });
  const { conversationId, token } = started.body as { conversationId: string; token: string };
  const say = (messageId: string, text: string) => call('POST', `/v1/conversations/${conversationId}/messages`, token, { messageId, text });
  const asked = await say('m1', 'cancel order 1002');
  expect(asked.body.reply.text).toContain('cancel order 1002');

  const confirmed = say('m2', 'yes');
  const deadline = Date.now() + 30_000;
  while (!store.calls.some((c) => c.effect === 'cancelled') && Date.now() < deadline) await sleep(50);
  const worker = listProcesses(RUN_DIR).find((p) => p.name === 'worker');
  expect(worker?.alive).toBe(true);
  process.kill(-(worker?.pid as number), 'SIGKILL');
  await startWorker();
  // The restart may outlast the API's bound (202 pending): the client retries the same message,
  // which returns the outcome recorded for it once the worker has finished it.
  let outcome = await confirmed;
  while (outcome.status === 202 && Date.now() < deadline + 60_000) outcome = await say('m2', 'yes');

  const cancelCalls = store.calls.filter((c) => c.path === '/customers/cust-42/orders/1002/cancel');
  process.stderr.write(`[action-kill] cancel calls ${cancelCalls.length}, applied ${cancelCalls.filter((c) => c.effect).length}, replayed ${cancelCalls.filter((c) => c.replayed).length}\n`);
  expect(outcome.status).toBe(200);
  expect(outcome.body.actions).toEqual([{ name: 'cancel_order', ok: true }]);
  expect(outcome.body.reply.text).toContain('order 1002 is cancelled');
  expect(cancelCalls.filter((c) => c.effect === 'cancelled')).toHaveLength(1);
  expect(cancelCalls.filter((c) => c.replayed)).toHaveLength(cancelCalls.length - 1);
  expect(new Set(cancelCalls.map((c) => c.idempotencyKey))).toEqual(new Set([`${conversationId}:m2:cancel_order`]));
}, 150_000);
