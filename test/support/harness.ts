import { ApplicationFailure } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { loadEnv, type Env } from '../../config/env';
import { createLogger } from '../../app/logger';
import { createActivityRuntime, createWorkers, workerSettings, type ActivityRuntime, type WorkerActivities, type Workers } from '../../workers/runtime';
import { startWebServer, stopWebServer, type RunningWebServer } from '../../api/server';
import { stopProcess } from '../../scripts/stack/processes';
import { startStack, stopStack } from '../../scripts/stack/services';
import { workflowBundle } from './workflow-bundle';
import { requestJson } from './http';

// The whole product in one test process: a real worker on its own task queue, the real API on a
// free port, a fresh database, all against the Temporal and FerretDB servers that jest's global
// setup started.

export { workflowBundle };

export const agents = [
  { id: 'dana', name: 'Dana Agent', token: `agent-dana-${randomBytes(12).toString('hex')}`, queues: ['general', 'billing', 'complaints'], capacity: 5, lead: true },
  { id: 'sam', name: 'Sam Agent', token: `agent-sam-${randomBytes(12).toString('hex')}`, queues: ['general', 'technical'], capacity: 5 },
];

/** Where the Temporal server and the database are. */
export interface TestServices {
  temporalAddress: string;
  mongoUrl: string;
}

/** The services jest's global setup started. */
function globalSetupServices(): TestServices {
  return { temporalAddress: required('TEMPORAL_ADDRESS'), mongoUrl: required('MONGO_URL') };
}

/** An environment of a test's own: its own database, task queues, keys and secrets. */
export function testEnv(overrides: Record<string, string> = {}, services: TestServices = globalSetupServices()): Env {
  const mongoBase = services.mongoUrl.replace(/\/[^/]*$/, '');
  return loadEnv({
    TEMPORAL_ADDRESS: services.temporalAddress,
    MONGO_URL: `${mongoBase}/t${randomBytes(6).toString('hex')}`,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    TEMPORAL_BATCH_TASK_QUEUE: `test-batch-${randomUUID()}`,
    PORT: '0',
    LOG_LEVEL: 'silent',
    TANDEM_API_KEYS: `key-${randomBytes(16).toString('hex')}`,
    TANDEM_OPERATOR_KEYS: `op-${randomBytes(16).toString('hex')}`,
    TANDEM_TOKEN_SECRET: randomBytes(32).toString('hex'),
    TANDEM_AGENTS: JSON.stringify(agents),
    // The demo store the global setup started, as the business's own system.
    TANDEM_ACTIONS_URL: process.env.TANDEM_ACTIONS_URL,
    TANDEM_ACTIONS_SECRET: process.env.TANDEM_ACTIONS_SECRET,
    ...overrides,
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with ./tandem test (jest's global setup starts the services)`);
  return value;
}

export interface Tandem {
  env: Env;
  api: RunningWebServer;
  runtime: ActivityRuntime;
  workers: Workers;
  /** Calls the API with the business's API key or a given token. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTandem(opts: { env?: Env; activities?: (real: WorkerActivities) => WorkerActivities } = {}): Promise<Tandem> {
  const env = opts.env ?? testEnv();
  const log = createLogger('test-worker', 'silent');
  const runtime = await createActivityRuntime(env, log);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const workers = await createWorkers({
    ...workerSettings(env, connection, runtime, log),
    activities: opts.activities ? opts.activities(runtime.activities) : runtime.activities,
    workflowBundle: await workflowBundle(),
  });
  const running = workers.run();
  const api = await startWebServer(env);
  const apiKey = env.TANDEM_API_KEYS[0] as string;

  return {
    env,
    api,
    runtime,
    workers,
    call(method, path, { token = apiKey, body } = {}) {
      return requestJson(api.url, method, path, token, body);
    },
    async stop() {
      await stopWebServer();
      workers.shutdown();
      await running;
      await connection.close();
      await runtime.close();
    },
  };
}

export const customer = (overrides: Partial<{ id: string; name: string; email: string; tier: string; lifetimeValue: number }> = {}) => ({
  id: `cust-${randomUUID().slice(0, 8)}`,
  name: 'Dana Scully',
  email: 'dana@example.com',
  ...overrides,
});

/**
 * Training a classifier blocks this process (worker and API alike) for seconds. Tests that call the
 * training routes only for access or fuzzing make the trainings fail fast instead; training itself
 * is tested in learning-loop.test.ts.
 */
export function withoutTraining(real: WorkerActivities): WorkerActivities {
  const refuse = () => Promise.reject(ApplicationFailure.nonRetryable('no training in this test', 'TrainingDisabled'));
  return { ...real, trainModelVersion: refuse, trainCandidateModel: refuse };
}

/**
 * A Temporal dev server of a test's own, for tests that kill or restart it: the shared one serves
 * every other test file running at the same time.
 */
export async function startPrivateTemporal(): Promise<{ address: string; runDir: string; stop(): Promise<void> }> {
  const runDir = mkdtempSync(join(tmpdir(), 'tandem-temporal-'));
  const [temporal, temporalUi] = [await freePort(), await freePort()];
  const shared = process.env.TEMPORAL_ADDRESS;
  delete process.env.TEMPORAL_ADDRESS; // or startStack would hand back the shared server
  const stack = await startStack({ runDir, services: ['temporal'], ports: { temporal, temporalUi } }).finally(() => {
    process.env.TEMPORAL_ADDRESS = shared;
  });
  return {
    address: stack.temporalAddress,
    runDir,
    stop: async () => {
      await stopStack(runDir);
    },
  };
}

/**
 * A FerretDB of a test's own, for tests that stop and start it (a real database outage): the
 * shared one serves every other test file running at the same time.
 */
export async function startPrivateDatabase(): Promise<{
  mongoUrl: string;
  /** FerretDB's SQLite files, one per database (`<name>.sqlite`). */
  dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}> {
  const runDir = mkdtempSync(join(tmpdir(), 'tandem-ferretdb-'));
  const ports = { mongo: await freePort() };
  const start = async (): Promise<string> => {
    const shared = process.env.MONGO_URL;
    delete process.env.MONGO_URL; // or startStack would hand back the shared database
    const stack = await startStack({ runDir, services: ['mongo'], ports, mongoDatabase: 'private' }).finally(() => {
      process.env.MONGO_URL = shared;
    });
    return stack.mongoUrl;
  };
  const mongoUrl = await start();
  return {
    mongoUrl,
    dataDir: join(runDir, 'ferretdb'),
    stop: () => stopProcess(runDir, 'mongo'),
    start: async () => {
      await start();
    },
    remove: async () => {
      await stopStack(runDir);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
