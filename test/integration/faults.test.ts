import type { Env } from '../../config/env';
import { startWebServer, stopWebServer, type RunningWebServer } from '../../api/server';
import { bundleWorkflows, listProcesses, sleep, stopProcess } from '../../scripts/stack/processes';
import { stackProfile } from '../../scripts/stack/profiles';
import { restartTemporal, startStack, stopStack } from '../../scripts/stack/services';
import { customer, testEnv } from '../support/harness';
import { requestJson } from '../support/http';
import { startWorkerProcess } from '../support/worker-process';

// Faults on a stack of this file's own (.run/faults, its own ports), never the shared test stack:
// the worker is a real separate process killed with SIGKILL, the Temporal dev server and FerretDB
// are stopped and started under load. Every message the API accepted (HTTP 200) must be in its
// transcript exactly once, and every conversation must end in the state its messages call for.

const { runDir: RUN_DIR, ports: PORTS } = stackProfile('faults');
const KILLS = 20;
const CONVERSATIONS = 10;
/** The API's bound on answering a message (TANDEM_ANSWER_WITHIN_MS), short here so the test is quick. */
const ANSWER_WITHIN_MS = 4_000;

/** Questions the AI answers without escalating, varied so that no "repeat" rule fires. */
const QUESTIONS = [
  'where is my order?',
  'how do I reset my password?',
  'what payment methods do you accept?',
  'how long does shipping take to Canada?',
  'can I change my delivery address?',
  'do you have a size guide?',
  'how do I update my email address?',
  'is there a student discount?',
];

let env: Env;
let api: RunningWebServer;
let bundlePath: string;
const savedEnv = { ...process.env };
const counts = { faults: 0, messagesChecked: 0, lost: 0, duplicated: 0 };

beforeAll(async () => {
  for (const name of ['TEMPORAL_ADDRESS', 'MONGO_URL', 'OLLAMA_HOST', 'OLLAMA_MODEL']) delete process.env[name];
  const stack = await startStack({ services: ['temporal', 'mongo'], runDir: RUN_DIR, ports: PORTS, mongoDatabase: 'faults' });
  env = testEnv({ TANDEM_RATE_LIMIT_PER_MINUTE: '100000', TANDEM_ANSWER_WITHIN_MS: String(ANSWER_WITHIN_MS) }, { temporalAddress: stack.temporalAddress, mongoUrl: stack.mongoUrl });
  // Bundled once, as `./tandem start` does: a worker killed twenty times restarts in a second or two.
  bundlePath = bundleWorkflows(RUN_DIR);
  await startWorker();
  api = await startWebServer(env);
}, 240_000);

afterAll(async () => {
  process.stderr.write(
    `[faults] ${counts.faults} faults injected, ${counts.messagesChecked} accepted messages checked, ` +
      `${counts.lost} lost, ${counts.duplicated} duplicated\n`,
  );
  await stopWebServer();
  await stopStack(RUN_DIR);
  process.env = savedEnv;
}, 60_000);

/** The production worker, as a process of its own. */
function startWorker(): Promise<number> {
  return startWorkerProcess(RUN_DIR, env, bundlePath);
}

function killWorker(): void {
  const worker = listProcesses(RUN_DIR).find((p) => p.name === 'worker');
  if (worker?.alive) process.kill(-worker.pid, 'SIGKILL');
}

function call(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  return requestJson(api.url, method, route, token, body, 60_000);
}

interface Client {
  conversationId: string;
  token: string;
  accepted: string[];
}

async function startClient(): Promise<Client> {
  const res = await call('POST', '/v1/conversations', env.TANDEM_API_KEYS[0] as string, { customer: customer() });
  expect(res.status).toBe(201);
  return { conversationId: res.body.conversationId, token: res.body.token, accepted: [] };
}

/** Waits until every accepted message was read: each has its AI reply, or the conversation is with a person. */
async function waitForReplies(clients: Client[], deadline: number): Promise<void> {
  for (const client of clients) {
    for (;;) {
      const res = await call('GET', `/v1/conversations/${client.conversationId}`, client.token).catch(() => undefined);
      const transcript = (res?.body?.transcript ?? []) as { role: string }[];
      const read = transcript.filter((m) => m.role === 'customer').length === client.accepted.length;
      const answered = res?.body?.status !== 'ai' || transcript.filter((m) => m.role === 'ai').length === client.accepted.length;
      if (read && answered) break;
      if (Date.now() > deadline) throw new Error(`conversation ${client.conversationId} never read all its messages`);
      await sleep(250);
    }
  }
}

/**
 * Sends one message, retrying with the same id (as a client must) until it is accepted: answered
 * (200), or durable with its reply to come (202).
 */
async function send(client: Client, messageId: string, text: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const res = await call('POST', `/v1/conversations/${client.conversationId}/messages`, client.token, { messageId, text }).catch(
      () => ({ status: 0, body: undefined }),
    );
    if (res.status === 200 || res.status === 202) {
      client.accepted.push(messageId);
      return;
    }
    if (res.status >= 400 && res.status < 500) throw new Error(`message ${messageId} refused: ${res.status} ${JSON.stringify(res.body)}`);
    await sleep(200);
  }
  throw new Error(`message ${messageId} was never accepted`);
}

/** Every accepted message exactly once, each with one reply (AI answer, or handoff notice), once all are read. */
async function checkTranscripts(clients: Client[]): Promise<void> {
  // A message answered 202 is read once a worker has it: wait for that first.
  await waitForReplies(clients, Date.now() + 120_000);
  for (const client of clients) {
    const res = await call('GET', `/v1/conversations/${client.conversationId}`, client.token);
    expect(res.status).toBe(200);
    const transcript = res.body.transcript as { id: string; role: string }[];
    for (const id of client.accepted) {
      const copies = transcript.filter((m) => m.role === 'customer' && m.id === id).length;
      counts.messagesChecked += 1;
      if (copies === 0) counts.lost += 1;
      if (copies > 1) counts.duplicated += 1;
    }
    const customerIds = transcript.filter((m) => m.role === 'customer').map((m) => m.id);
    expect(new Set(customerIds).size).toBe(customerIds.length);
    expect(customerIds.sort()).toEqual([...client.accepted].sort());
    if (res.body.status === 'ai') {
      // While the AI has the conversation, every customer message got exactly one AI reply.
      const replies = transcript.filter((m) => m.role === 'ai').length;
      expect(replies).toBe(customerIds.length);
    } else {
      expect(res.body.status).toBe('handoff');
    }
  }
  expect(counts.lost).toBe(0);
  expect(counts.duplicated).toBe(0);
}

test(
  'when the worker is killed with SIGKILL 20 times under load, then every accepted message is in its transcript exactly once',
  async () => {
    const clients = await Promise.all(Array.from({ length: CONVERSATIONS }, startClient));
    let stop = false;
    // Durability is what this checks, not restart speed (bench/ measures that): twenty worker starts
    // (encoder, model, knowledge index) on two busy cores can take minutes.
    const deadline = Date.now() + 480_000;
    const load = clients.map(async (client, c) => {
      for (let n = 0; !stop; n += 1) await send(client, `c${c}-m${n}`, QUESTIONS[(n + c) % QUESTIONS.length] as string, deadline);
    });

    const acceptedSoFar = (): number => clients.reduce((sum, client) => sum + client.accepted.length, 0);
    for (let kill = 0; kill < KILLS; kill += 1) {
      // Under load for real: each restarted worker handles at least one message before it dies.
      const before = acceptedSoFar();
      while (acceptedSoFar() === before) {
        if (Date.now() > deadline) throw new Error(`no message accepted after kill ${kill}`);
        await sleep(50);
      }
      await sleep(Math.floor(Math.random() * 500));
      killWorker();
      counts.faults += 1;
      await startWorker();
    }
    stop = true;
    await Promise.all(load);

    await checkTranscripts(clients);
    expect(clients.every((c) => c.accepted.length > 0)).toBe(true);
  },
  540_000,
);

test(
  'when the Temporal dev server restarts mid-conversation, then the conversations continue',
  async () => {
    const clients = await Promise.all(Array.from({ length: 3 }, startClient));
    const deadline = Date.now() + 120_000;
    await Promise.all(clients.map((client, c) => send(client, `t${c}-1`, QUESTIONS[c] as string, deadline)));

    await restartTemporal(RUN_DIR);
    counts.faults += 1;
    await Promise.all(clients.map((client, c) => send(client, `t${c}-2`, QUESTIONS[c + 3] as string, deadline)));

    await checkTranscripts(clients);
  },
  180_000,
);

test(
  'when every conversation worker is down, then health says so within 15 s, 20 messages and a first message are answered 202 within the bound, survive a Temporal restart, and are read once when a worker returns',
  async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, startClient));
    killWorker();
    const killedAt = Date.now();
    counts.faults += 1;
    const messages = clients.flatMap((client, c) =>
      Array.from({ length: 5 }, (_, n) => ({ client, messageId: `p${c}-${n}`, text: QUESTIONS[(c + n) % QUESTIONS.length] as string })),
    );
    const post = async ({ client, messageId, text }: (typeof messages)[number]) => {
      const started = Date.now();
      const res = await call('POST', `/v1/conversations/${client.conversationId}/messages`, client.token, { messageId, text });
      return { status: res.status, body: res.body, ms: Date.now() - started };
    };

    const answers = await Promise.all(messages.map(post));
    expect(answers.map((a) => a.status)).toEqual(messages.map(() => 202));
    expect(answers[0]?.body).toEqual({ conversationId: clients[0]?.conversationId, messageId: 'p0-0', status: 'pending' });
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(ANSWER_WITHIN_MS + 1_000);
    // A client that retries a pending message gets the same answer; it is still read once.
    expect((await post(messages[0] as (typeof messages)[number])).status).toBe(202);
    for (const { client, messageId } of messages) client.accepted.push(messageId);

    // A conversation started with its first message: it starts, and the message waits in its history.
    const firstMessage = { messageId: 'first-0', text: QUESTIONS[0] as string };
    const startedAt = Date.now();
    const start = await call('POST', '/v1/conversations', env.TANDEM_API_KEYS[0] as string, { customer: customer(), firstMessage });
    expect(Date.now() - startedAt).toBeLessThan(ANSWER_WITHIN_MS + 1_000);
    expect(start.status).toBe(202);
    expect(start.body.outcome).toEqual({ conversationId: start.body.conversationId, messageId: 'first-0', status: 'pending' });
    clients.push({ conversationId: start.body.conversationId, token: start.body.token, accepted: ['first-0'] });

    let health = await call('GET', '/health', '');
    while (health.body?.worker?.up && Date.now() - killedAt < 20_000) {
      await sleep(250);
      health = await call('GET', '/health', '');
    }
    expect(health.status).toBe(503);
    expect(health.body.worker.up).toBe(false);
    expect(Date.now() - killedAt).toBeLessThan(15_000);

    await restartTemporal(RUN_DIR);
    counts.faults += 1;
    await startWorker();
    await checkTranscripts(clients);
  },
  180_000,
);

test(
  'when the database is down, then lists answer 503 database_unavailable, messages are still accepted, and the read models catch up',
  async () => {
    const client = await startClient();
    const deadline = Date.now() + 120_000;
    await send(client, 'd-1', QUESTIONS[0] as string, deadline);

    await stopProcess(RUN_DIR, 'mongo');
    counts.faults += 1;
    try {
      const list = await call('GET', '/v1/conversations', env.TANDEM_API_KEYS[0] as string);
      expect(list.status).toBe(503);
      expect(list.body.error.code).toBe('database_unavailable');
      await send(client, 'd-2', QUESTIONS[1] as string, deadline);
    } finally {
      await startStack({ services: ['mongo'], runDir: RUN_DIR, ports: PORTS, mongoDatabase: 'faults' });
    }

    await checkTranscripts([client]);
    const caughtUp = Date.now() + 60_000;
    let projected = 0;
    while (Date.now() < caughtUp) {
      const export_ = await call('GET', `/v1/conversations/${client.conversationId}/export`, client.token);
      projected = ((export_.body?.readModel?.messages ?? []) as { messageId: string }[]).filter((m) => m.messageId.startsWith('d-')).length;
      if (projected === 2) break;
      await sleep(500);
    }
    expect(projected).toBe(2);
  },
  180_000,
);
