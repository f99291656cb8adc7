import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import mongoose from 'mongoose';
import { SEARCH_ATTRIBUTES, restartTemporal } from '../../scripts/stack/services';
import { finishSignal, stageQuery, waitForFinish } from '../fixtures/workflows';
import { startPrivateTemporal } from '../support/harness';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through jest's global setup`);
  return value;
};

const managed = (process.env.TANDEM_TEST_MANAGED ?? '').split(',');
const temporalManaged = managed.includes('temporal');
const ferretdbManaged = managed.includes('mongo');

describe('the service stack', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await Connection.connect({ address: env('TEMPORAL_ADDRESS') });
  });

  afterAll(async () => {
    await connection.close();
  });

  test('when asked for health, then Temporal serves with the custom search attributes registered', async () => {
    const health = await connection.healthService.check({});
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });

    expect(health.status).toBe(1); // SERVING
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
  });

  test('when pinged through mongoose, then the database answers', async () => {
    const db = mongoose.createConnection(env('MONGO_URL'), { serverSelectionTimeoutMS: 5_000 });
    try {
      await db.asPromise();
      const reply = await db.db?.admin().ping();
      expect(reply?.ok).toBe(1);
    } finally {
      await db.close();
    }
  });

  // services/ferretdb/patches.json: unpatched, FerretDB 1.24.2 scans the whole table for every
  // lookup by _id, and every read-model write with it.
  (ferretdbManaged ? test : test.skip)('when a document is looked up by _id, then FerretDB searches its _id index', async () => {
    const db = mongoose.createConnection(env('MONGO_URL'), { serverSelectionTimeoutMS: 5_000 });
    try {
      await db.asPromise();
      const collection = `lookup${randomUUID().slice(0, 8)}`;
      await db.collection(collection).insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `doc-${i}` as never, n: i })));
      const explained = await db.db?.command({ explain: { find: collection, filter: { _id: 'doc-7' } } });
      const plan = (explained?.queryPlanner as { Plan?: string[] } | undefined)?.Plan?.join('\n') ?? '';

      expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      expect(await db.collection(collection).findOne({ _id: 'doc-7' as never })).toEqual({ _id: 'doc-7', n: 7 });
    } finally {
      await db.close();
    }
  });

  test('when listing models, then Ollama has the configured model', async () => {
    const response = await fetch(new URL('/api/tags', env('OLLAMA_HOST')));
    const tags = (await response.json()) as { models: { name: string }[] };

    expect(response.status).toBe(200);
    expect(tags.models.map((m) => m.name)).toContain(`${env('OLLAMA_MODEL')}:latest`);
  });

  describe('a workflow across a Temporal restart', () => {
    let bundle: WorkflowBundleWithSourceMap;

    beforeAll(async () => {
      bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows'), logger: quietLogger });
    });

    // On a server of its own: the shared one serves every other test file running meanwhile.
    (temporalManaged ? test : test.skip)(
      'when the dev server is killed and started again, then a running workflow continues and completes',
      async () => {
        const temporal = await startPrivateTemporal();
        const taskQueue = `stack-test-${randomUUID()}`;
        const clientConnection = await Connection.connect({ address: temporal.address });
        const workerConnection = await NativeConnection.connect({ address: temporal.address });
        try {
          const client = new Client({ connection: clientConnection });
          const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle: bundle });
          await worker.runUntil(async () => {
            const handle = await client.workflow.start(waitForFinish, { taskQueue, workflowId: `stack-test-${randomUUID()}` });
            expect(await handle.query(stageQuery)).toBe('waiting');

            await restartTemporal(temporal.runDir);

            await handle.signal(finishSignal, 'after restart');
            expect(await handle.result()).toBe('finished: after restart');
          });
        } finally {
          await Promise.all([clientConnection.close(), workerConnection.close()]);
          await temporal.stop();
        }
      },
      120_000,
    );
  });
});

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
