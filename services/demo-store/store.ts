import express, { type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureProblem } from '../../domain/action-signature';
import { seedOrders, type DemoOrder } from './orders';

// The demo business's own system: a small order service that Tandem's actions call. It does what a
// real one must: it verifies every request's signature (401 for unsigned, stale or forged ones), it
// answers only about the signed-in customer's orders (another customer's order is a 404, the same as
// one that does not exist), and it applies a write once per idempotency key, answering a retry with
// the first answer. Every request is kept in a log (GET /_calls) so tests and operators can count.

export interface StoreCall {
  at: string;
  method: string;
  path: string;
  status: number;
  idempotencyKey?: string;
  /** What the request changed ('cancelled'); absent for reads, rejections and replays. */
  effect?: 'cancelled';
  /** A write retried with a key already applied: answered from the first time, nothing changed. */
  replayed?: boolean;
  /** Why it was refused before reaching the orders: unsigned, stale_signature, bad_signature. */
  rejected?: string;
}

export interface DemoStoreOptions {
  secret: string;
  /** The clock that judges a signature's age (tests move it). */
  now?: () => number;
  /** Holds the answer to a write this long after applying it: lets a test kill the caller in between. */
  writeDelayMs?: number;
}

interface Answer {
  status: number;
  body: unknown;
}

const ORDER_FIELDS = ['orderNumber', 'status', 'placedAt', 'carrier', 'trackingNumber', 'shippedAt', 'estimatedDelivery', 'deliveredAt'] as const;

export function createDemoStore(options: DemoStoreOptions): { app: express.Express; calls: StoreCall[] } {
  const now = options.now ?? Date.now;
  const orders = new Map(seedOrders().map((order) => [order.orderNumber, order]));
  const answered = new Map<string, { path: string; answer: Answer }>();
  const calls: StoreCall[] = [];
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/_calls', (_req, res) => {
    res.json({ calls });
  });

  // The raw body is what was signed: verify it before anything parses it.
  app.use(express.raw({ type: () => true, limit: '16kb' }), (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const problem = signatureProblem(
      options.secret,
      { method: req.method, path: req.originalUrl, body, timestamp: req.header(TIMESTAMP_HEADER), signature: req.header(SIGNATURE_HEADER) },
      now(),
    );
    if (!problem) return next();
    record(req, 401, { rejected: problem });
    res.status(401).json({ error: { code: problem, message: REJECTIONS[problem] } });
  });

  const ownOrder = (req: Request): DemoOrder | undefined => {
    const order = orders.get(String(req.params.orderNumber));
    return order?.customerId === req.params.customerId ? order : undefined;
  };

  app.get('/customers/:customerId/orders/:orderNumber', (req, res) => {
    const order = ownOrder(req);
    send(req, res, order ? { status: 200, body: view(order) } : notFound());
  });

  app.post('/customers/:customerId/orders/:orderNumber/cancel', async (req, res) => {
    const key = req.header(IDEMPOTENCY_HEADER);
    if (!key) return send(req, res, { status: 400, body: { error: { code: 'idempotency_key_required', message: 'A write needs an Idempotency-Key header.' } } });
    const previous = answered.get(key);
    if (previous) {
      if (previous.path !== req.originalUrl) {
        return send(req, res, { status: 422, body: { error: { code: 'idempotency_key_reused', message: 'This key was used for another request.' } } });
      }
      return send(req, res, previous.answer, { idempotencyKey: key, replayed: true });
    }
    const order = ownOrder(req);
    let answer: Answer;
    let effect: StoreCall['effect'];
    if (!order) answer = notFound();
    else if (order.status !== 'processing') {
      answer = { status: 409, body: { error: { code: `already_${order.status}`, message: `Order ${order.orderNumber} is ${order.status}; it can no longer be cancelled.` } } };
    } else {
      order.status = 'cancelled';
      effect = 'cancelled';
      answer = { status: 200, body: { ...view(order), refundAmount: order.total, refundCurrency: order.currency } };
    }
    answered.set(key, { path: req.originalUrl, answer });
    if (options.writeDelayMs) await new Promise((resolve) => setTimeout(resolve, options.writeDelayMs));
    send(req, res, answer, { idempotencyKey: key, effect });
  });

  app.use((req, res) => {
    send(req, res, { status: 404, body: { error: { code: 'no_such_route', message: `${req.method} ${req.path} is not a route of this store.` } } });
  });

  function record(req: Request, status: number, extra: Partial<StoreCall> = {}): void {
    calls.push({ at: new Date(now()).toISOString(), method: req.method, path: req.originalUrl, status, ...extra });
  }

  function send(req: Request, res: Response, answer: Answer, extra: Partial<StoreCall> = {}): void {
    record(req, answer.status, extra);
    res.status(answer.status).json(answer.body);
  }

  return { app, calls };
}

const REJECTIONS: Record<string, string> = {
  unsigned: `Requests must carry ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers.`,
  stale_signature: 'The request is too old or from the future: sign it again with the current time.',
  bad_signature: 'The signature does not match this request.',
};

function view(order: DemoOrder): Record<string, string> {
  return Object.fromEntries(ORDER_FIELDS.flatMap((field) => (order[field] === undefined ? [] : [[field, order[field] as string]])));
}

/** The same answer for another customer's order as for one that does not exist: nothing leaks. */
function notFound(): Answer {
  return { status: 404, body: { error: { code: 'order_not_found', message: 'No such order on this account.' } } };
}

export interface RunningDemoStore {
  url: string;
  calls: StoreCall[];
  close(): Promise<void>;
}

export async function startDemoStore(options: DemoStoreOptions & { port: number; host?: string }): Promise<RunningDemoStore> {
  const { app, calls } = createDemoStore(options);
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port, options.host ?? '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
