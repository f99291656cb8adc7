import { randomBytes } from 'node:crypto';
import { operations, type Operation } from '../../api/openapi';
import { agents, customer, startTandem, testEnv, withoutTraining, type Tandem } from '../support/harness';

// Every documented route against every kind of caller: only the credential the route's `security`
// names gets through. The rows come from `operations`, so a new route is in the matrix the day it
// is documented (and the OpenAPI test makes sure every served route is documented).

const RATE_LIMITED_KEY = `key-${randomBytes(16).toString('hex')}`;
const CONVERSATION_LIMIT = 8;
const API_KEY_LIMIT = 100;

let tandem: Tandem;
let apiKey: string;
let operatorKey: string;

beforeAll(async () => {
  const env = testEnv({
    TANDEM_API_KEYS: `key-${randomBytes(16).toString('hex')},${RATE_LIMITED_KEY}`,
    TANDEM_RATE_LIMIT_PER_MINUTE: String(CONVERSATION_LIMIT),
    TANDEM_API_KEY_RATE_LIMIT_PER_MINUTE: String(API_KEY_LIMIT),
  });
  // The operator cells call the training routes: training would block this process for seconds.
  tandem = await startTandem({ env, activities: withoutTraining });
  apiKey = env.TANDEM_API_KEYS[0] as string;
  operatorKey = env.TANDEM_OPERATOR_KEYS[0] as string;
});

afterAll(async () => {
  await tandem?.stop();
});

const ROLES = ['none', 'apiKey', 'otherConversationToken', 'conversationToken', 'agentToken', 'operatorKey'] as const;
type Role = (typeof ROLES)[number];

/** The roles a route's `security` lets in; `none` means anyone. */
function intendedRoles(op: Operation): Role[] {
  const schemes = [op.security].flat();
  if (schemes.includes('none')) return [...ROLES];
  return ROLES.filter((role) => (schemes as string[]).includes(role));
}

/** A valid body per route, so that an intended caller gets a 2xx and not a validation error. */
const EXAMPLE_BODIES: Record<string, () => unknown> = {
  'post /v1/conversations': () => ({ customer: customer() }),
  'post /v1/conversations/{conversationId}/messages': () => ({ messageId: 'access-1', text: 'where is my order 123?' }),
  'post /v1/conversations/{conversationId}/human': () => ({ requestId: 'access-human' }),
  'post /v1/conversations/{conversationId}/rating': () => ({ score: 5, comment: 'thanks' }),
  'post /v1/conversations/{conversationId}/email': () => ({ requestId: 'access-email', email: 'visitor@example.com' }),
  'post /v1/widget/sessions': () => ({ visitor: { id: 'access-visitor' } }),
  'post /v1/agent/tasks/{taskId}/claim': () => ({}),
  'post /v1/agent/tasks/{taskId}/release': () => ({}),
  'post /v1/agent/tasks/{taskId}/reply': () => ({ actionId: 'access-reply', text: 'Hi, I can help with that.' }),
  'post /v1/agent/tasks/{taskId}/notes': () => ({ actionId: 'access-note', text: 'internal note' }),
  'post /v1/agent/tasks/{taskId}/transfer': () => ({ queue: 'general' }),
  'post /v1/agent/tasks/{taskId}/resolve': () => ({ note: 'done' }),
  'post /v1/events': () => ({ eventId: `access-${randomBytes(4).toString('hex')}`, customerId: customer().id, kind: 'order_late', orderNumber: '1001' }),
};
/** Agent actions that need the task claimed first. */
const NEEDS_CLAIM = /\/(release|reply|notes|transfer|resolve)$/;

interface Fixture {
  conversationId: string;
  token: string;
  otherToken: string;
  taskId?: string;
  agentToken?: string;
}

async function startConversation(): Promise<{ conversationId: string; token: string }> {
  const res = await tandem.call('POST', '/v1/conversations', { token: apiKey, body: { customer: customer() } });
  expect(res.status).toBe(201);
  return res.body;
}

/** A fresh conversation (and human task) per route, so that a destructive route harms no other row. */
async function fixtureFor(op: Operation): Promise<Fixture> {
  const own = await startConversation();
  const other = await startConversation();
  const fixture: Fixture = { ...own, otherToken: other.token, agentToken: agents[0]?.token };
  if (!op.path.includes('{taskId}')) return fixture;
  const handoff = await tandem.call('POST', `/v1/conversations/${own.conversationId}/human`, {
    token: own.token,
    body: { requestId: 'setup' },
  });
  expect(handoff.status).toBe(200);
  const queue: string = handoff.body.handoff.queue;
  const agent = agents.find((a) => a.queues.includes(queue));
  if (!agent) throw new Error(`no test agent serves queue ${queue}`);
  fixture.taskId = handoff.body.handoff.taskId;
  fixture.agentToken = agent.token;
  if (NEEDS_CLAIM.test(op.path)) {
    const claimed = await tandem.call('POST', `/v1/agent/tasks/${fixture.taskId}/claim`, { token: agent.token, body: {} });
    expect(claimed.status).toBe(200);
  }
  return fixture;
}

function credentialFor(role: Role, f: Fixture): string | undefined {
  switch (role) {
    case 'none':
      return undefined;
    case 'apiKey':
      return apiKey;
    case 'otherConversationToken':
      return f.otherToken;
    case 'conversationToken':
      return f.token;
    case 'agentToken':
      return f.agentToken;
    case 'operatorKey':
      return operatorKey;
  }
}

/** One request; an event stream is closed as soon as its status is known. */
async function request(op: Operation, f: Fixture, credential: string | undefined): Promise<number> {
  const path = op.path
    .replace('{conversationId}', f.conversationId)
    .replace('{taskId}', f.taskId ?? 'handoff-none-1')
    .replace(/\{\w+\}/g, 'unknown');
  const example = EXAMPLE_BODIES[`${op.method} ${op.path}`];
  const body = op.method === 'post' ? JSON.stringify(example ? example() : {}) : undefined;
  const abort = new AbortController();
  const response = await fetch(`${tandem.api.url}${path}`, {
    method: op.method.toUpperCase(),
    headers: {
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body,
    signal: abort.signal,
  });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) abort.abort();
  else await response.arrayBuffer();
  return response.status;
}

describe('access matrix', () => {
  const cells: { route: string; role: Role; status: number; intended: boolean }[] = [];

  afterAll(() => {
    process.stderr.write(
      `[access] ${cells.length} cells checked over ${operations.length} routes × ${ROLES.length} roles; ` +
        `${cells.filter((c) => c.intended).length} intended, ${cells.filter((c) => !c.intended).length} refused\n`,
    );
  });

  test.each(operations.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    'when %s is called by each role, then only its intended roles get through',
    async (_name, op) => {
      const fixture = await fixtureFor(op);
      const intended = intendedRoles(op);
      // Refused roles first: the intended call may change the resource (resolve, erase).
      const ordered = [...ROLES.filter((r) => !intended.includes(r)), ...ROLES.filter((r) => intended.includes(r))];
      const outcomes: Record<string, number> = {};
      for (const role of ordered) {
        outcomes[role] = await request(op, fixture, credentialFor(role, fixture));
        cells.push({ route: `${op.method} ${op.path}`, role, status: outcomes[role] ?? 0, intended: intended.includes(role) });
      }

      const expected = Object.fromEntries(
        ordered.map((role) => [role, intended.includes(role) ? 'allowed' : 'refused']),
      );
      const actual = Object.fromEntries(
        ordered.map((role) => {
          const status = outcomes[role] ?? 0;
          // Past access control is what this matrix checks: an intended role may still meet the
          // handler's own 400/404/409/422 (operator routes here get no resource fixtures), never a
          // 401/403 or a 5xx.
          if (intended.includes(role)) return [role, status !== 401 && status !== 403 && status < 500 ? 'allowed' : `status ${status}`];
          return [role, status === 401 || status === 403 ? 'refused' : `status ${status}`];
        }),
      );
      expect(actual).toEqual(expected);
    },
    // Two conversation starts (and maybe a handoff and a claim) plus six requests per row; under
    // the whole suite on two cores one row has taken over a minute.
    180_000,
  );
});

describe('rate limits', () => {
  test('when one conversation token sends more than its budget, then it gets 429 rate_limited with retry-after', async () => {
    const { conversationId, token } = await startConversation();
    // An empty body is refused by the handler's schema (400) after the limiter has counted it: the
    // limiter is measured without a workflow round trip per request.
    const read = () =>
      fetch(`${tandem.api.url}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });

    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i <= CONVERSATION_LIMIT; i += 1) {
      const res = await read();
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }

    expect(statuses.slice(0, CONVERSATION_LIMIT).every((s) => s === 400)).toBe(true);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited?.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another conversation has its own budget.
    const other = await startConversation();
    expect((await tandem.call('GET', `/v1/conversations/${other.conversationId}`, { token: other.token })).status).toBe(200);
  });

  test('when a conversation token spends its budget across messages and its export, then one budget counts both', async () => {
    const { conversationId, token } = await startConversation();
    const call = (i: number) =>
      i % 2 === 0
        ? fetch(`${tandem.api.url}/v1/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          })
        : fetch(`${tandem.api.url}/v1/conversations/${conversationId}/export`, { headers: { authorization: `Bearer ${token}` } });

    const statuses: number[] = [];
    for (let i = 0; i <= CONVERSATION_LIMIT; i += 1) {
      const res = await call(i);
      statuses.push(res.status);
      await res.arrayBuffer();
    }

    expect(statuses.slice(0, CONVERSATION_LIMIT).includes(429)).toBe(false);
    expect(statuses.at(-1)).toBe(429);
  });

  test('when one API key lists more than its budget, then it gets 429 while the other key still works', async () => {
    // The bucket refills while the loop runs (API_KEY_LIMIT a minute), so allow a few more.
    const statuses: number[] = [];
    while (statuses.at(-1) !== 429 && statuses.length < API_KEY_LIMIT + 20) {
      statuses.push((await tandem.call('GET', '/v1/conversations?limit=1', { token: RATE_LIMITED_KEY })).status);
    }

    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(API_KEY_LIMIT);
    expect((await tandem.call('GET', '/v1/conversations?limit=1', { token: apiKey })).status).toBe(200);
  });

  test('when a credential is wrong, then it spends no one else’s budget', async () => {
    const { conversationId, token } = await startConversation();
    for (let i = 0; i < CONVERSATION_LIMIT * 2; i += 1) {
      expect((await tandem.call('GET', `/v1/conversations/${conversationId}`, { token: 'wrong-token' })).status).toBe(403);
    }

    expect((await tandem.call('GET', `/v1/conversations/${conversationId}`, { token })).status).toBe(200);
  });
});
