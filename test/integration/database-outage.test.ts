import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { cachePath } from '../../scripts/stack/paths';
import { conversationWorkflowId, erasureWorkflowId } from '../../domain/ids';
import { startChat } from '../support/chat';
import { eventually } from '../support/eventually';
import { agents, customer, startPrivateDatabase, startTandem, testEnv, type Tandem } from '../support/harness';

// Writes against a database that goes away or is held by another writer. The database is a
// FerretDB of this file's own: really stopped at the moment the second step of an operation writes,
// and started again later than the driver waits for it (serverSelectionTimeoutMS, 5 s); or locked
// by another SQLite connection while the API writes.

const OUTAGE_MS = 8_000;
const [dana] = agents as [(typeof agents)[number]];

let database: Awaited<ReturnType<typeof startPrivateDatabase>>;
let tandem: Tandem;
let temporal: Client;

beforeAll(async () => {
  database = await startPrivateDatabase();
  tandem = await startTandem({ env: testEnv({}, { temporalAddress: process.env.TEMPORAL_ADDRESS as string, mongoUrl: database.mongoUrl }) });
  temporal = new Client({ connection: await Connection.connect({ address: tandem.env.TEMPORAL_ADDRESS }) });
}, 120_000);

afterEach(() => jest.restoreAllMocks());

afterAll(async () => {
  await tandem.stop();
  await temporal.connection.close();
  await database.remove();
}, 60_000);

/**
 * The first `method` call on any model whose filter `matches` stops the database first (and starts
 * it again OUTAGE_MS later), so that call and those after it meet a real outage. Resolves when the
 * database is back.
 */
function outageAtFirst(method: 'deleteMany' | 'replaceOne', matches: (filter: Record<string, unknown>) => boolean): { over: Promise<void> } {
  const original = mongoose.Model[method] as (...args: unknown[]) => unknown;
  let stopped: Promise<void> | undefined;
  let markOver: () => void = () => undefined;
  const over = new Promise<void>((resolve) => (markOver = resolve));
  jest.spyOn(mongoose.Model, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
    if (stopped === undefined && matches(args[0] as Record<string, unknown>)) {
      stopped = database.stop();
      void stopped.then(() => new Promise((resolve) => setTimeout(resolve, OUTAGE_MS))).then(() => database.start()).then(markOver);
    }
    return (async () => {
      await stopped;
      return original.apply(this, args);
    })();
  } as never);
  return { over };
}

/** A conversation handed to Dana, who claimed and answered it: a workflow, a human task and read models. */
async function handedOverConversation(privateDetail: string) {
  const chat = await startChat(tandem, customer({ name: 'Fox Mulder', email: 'fox.mulder@example.com' }));
  const handoff = await chat.say(`I want to speak to a human about ${privateDetail}`);
  const taskId = handoff.body.handoff.taskId as string;
  expect((await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token, body: {} })).status).toBe(200);
  const replied = await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: dana.token, body: { actionId: 'a1', text: 'Hello Fox, looking now.' } });
  expect(replied.status).toBe(200);
  const { Message, Task } = tandem.runtime.models;
  await eventually(async () => ((await Task.exists({ _id: taskId })) && (await Message.countDocuments({ conversationId: chat.conversationId })) >= 3 ? true : undefined));
  return { ...chat, taskId };
}

/** Every payload of a history (inputs, results, summaries, details), decoded to text. */
function payloadsOf(historyJson: string): string {
  return [...historyJson.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map(([, data]) => Buffer.from(data as string, 'base64').toString('utf8')).join('\n');
}

async function workflowExists(workflowId: string): Promise<boolean> {
  return temporal.workflow
    .getHandle(workflowId)
    .describe()
    .then(() => true)
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    });
}

describe('erasure', () => {
  test('when the database stops just as the read models are deleted, then the erasure still completes and nothing is left', async () => {
    const { conversationId, taskId } = await handedOverConversation('my parcel at 12 Hollow Lane');
    const { over } = outageAtFirst('deleteMany', (filter) => filter._id === conversationId);

    const erased = await tandem.call('DELETE', `/v1/conversations/${conversationId}`, { token: tandem.env.TANDEM_OPERATOR_KEYS[0] });
    await over;

    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ conversationId, workflowsDeleted: [conversationWorkflowId(conversationId), taskId] });
    expect(erased.body.deleted).toMatchObject({ conversations: 1, tasks: 1 });
    expect(erased.body.deleted.messages).toBeGreaterThanOrEqual(3);
    expect(await workflowExists(conversationWorkflowId(conversationId))).toBe(false);
    expect(await workflowExists(taskId)).toBe(false);
    const { models } = tandem.runtime;
    expect(await models.Conversation.exists({ _id: conversationId })).toBeNull();
    expect(await models.Message.countDocuments({ conversationId })).toBe(0);
    expect(await models.Task.countDocuments({ conversationId })).toBe(0);
    expect(await models.Erasure.countDocuments({ conversationId })).toBe(1);
    // The erasure's own history, payloads decoded: ids and counts, none of the customer's details or words.
    const history = payloadsOf(historyToJSON(await temporal.workflow.getHandle(erasureWorkflowId(conversationId)).fetchHistory()));
    expect(history).toContain(`"conversationId":"${conversationId}"`);
    for (const personal of ['Mulder', 'fox.mulder', 'Hollow Lane', 'looking now']) expect(history).not.toContain(personal);
  }, 90_000);

  test('when the same conversation is erased twice, then the second answers 404', async () => {
    const { conversationId } = await handedOverConversation('a refund');
    const operator = tandem.env.TANDEM_OPERATOR_KEYS[0];

    const first = await tandem.call('DELETE', `/v1/conversations/${conversationId}`, { token: operator });
    const second = await tandem.call('DELETE', `/v1/conversations/${conversationId}`, { token: operator });

    expect(first.status).toBe(200);
    expect(second.status).toBe(404);
    expect(second.body.error.code).toBe('not_found');
  }, 60_000);
});

describe('resolving with a confirmed category', () => {
  test('when the database stops just as the training example is written, then it is still written, once, and a retried resolve adds none', async () => {
    const { conversationId, taskId } = await handedOverConversation('a parcel');
    const { over } = outageAtFirst('replaceOne', (filter) => String(filter._id).startsWith(`category:${conversationId}:`));
    const resolve = () =>
      tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: dana.token, body: { note: 'sorted', confirmedCategory: 'delivery_problem' } });

    const resolved = await resolve();
    await over;
    const { Feedback } = tandem.runtime.models;
    const examples = await eventually(async () => {
      const found = await Feedback.find({ type: 'category', conversationId }).lean();
      return found.length > 0 ? found : undefined;
    }, 60_000);
    const retried = await resolve();

    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');
    expect(examples).toHaveLength(1);
    expect(examples[0]).toMatchObject({ category: 'delivery_problem', agentId: dana.id });
    // Refused: 409 while the task's run is finishing, 404 once it has ended; the example stands.
    expect([404, 409]).toContain(retried.status);
    expect(await Feedback.countDocuments({ type: 'category', conversationId })).toBe(1);
  }, 120_000);
});

describe('many writers', () => {
  const operator = () => tandem.env.TANDEM_OPERATOR_KEYS[0];
  const article = (n: number) => ({ title: `Gift wrapping ${n}`, questions: [`can you gift wrap order ${n}?`], body: `Yes, gift wrapping ${n}.`, category: 'billing' });
  const addArticles = (from: number, count: number) =>
    Promise.all(Array.from({ length: count }, (_, n) => tandem.call('POST', '/v1/knowledge', { token: operator(), body: article(from + n) })));

  test('when 50 operators add an article at the same moment, then every one is stored', async () => {
    const responses = await addArticles(0, 50);

    expect(responses.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
  }, 60_000);

  test('when another writer holds the database past the busy timeout, then API writes answer 503 database_unavailable, never 500, and succeed when retried', async () => {
    const databaseFile = join(database.dataDir, `${new URL(tandem.env.MONGO_URL).pathname.slice(1)}.sqlite`);
    const released = holdWriteLock(databaseFile, 12_000);
    await released.locked;

    const whileHeld = await addArticles(100, 20);
    await released.done;
    const retried = await addArticles(100, 20);

    expect(whileHeld.filter((r) => r.status === 500)).toEqual([]);
    expect(new Set(whileHeld.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`))).toEqual(new Set(['503 database_unavailable']));
    expect(retried.every((r) => r.status === 201)).toBe(true);
  }, 90_000);
});

/** Another SQLite connection (the project's Python) holding the write lock of `file` for `ms`. */
function holdWriteLock(file: string, ms: number): { locked: Promise<void>; done: Promise<void> } {
  const hold = `import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")`;
  const child = spawn(cachePath('py', 'bin', 'python'), ['-c', hold, file, String(ms / 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before locking`)));
  });
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { locked, done };
}
