import { readFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundlePath, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Connection as MongoConnection } from 'mongoose';
import { loadSupportConfig, type Env } from '../config/env';
import { createActivities, type Activities } from '../activities';
import { createAuditActivities, type AuditActivities } from '../activities/audit';
import { createErasureActivities, type ErasureActivities } from '../activities/erasure';
import { createKnowledgeSearch } from '../ai/knowledge-search';
import { createLearningActivities, type LearningActivities } from '../activities/learning';
import { createModelRegistry, type ModelRegistry } from '../ai/model-registry';
import type { ModelProvider } from '../ai/provider';
import { createEmbeddedProvider } from '../ai/embedded/provider';
import { loadSentenceEncoder } from '../ai/embedded/encoder';
import { loadModel } from '../ai/model-store';
import { createOllamaProvider } from '../ai/ollama/provider';
import { parseRoutingCases } from '../ai/routing-evaluation';
import { createUnderstanding } from '../ai/understanding';
import { cacheDir, encoderDir, workerAliveFile } from '../config/paths';
import { connectDatabase, type Models } from '../db/models';
import { knowledgeRevision, publishedArticles, seedArticles } from '../db/knowledge';
import { promotedModelId, readModelVersion } from '../db/model-versions';
import { WORKER_HEARTBEAT_EVERY_MS, recordWorkerHeartbeat } from '../db/worker-heartbeats';
import type { KnowledgeArticle } from '../domain/types';

export const KNOWLEDGE_SEED_PATH = 'data/knowledge-seed.json';

/** Every activity a worker of this process registers. */
export type WorkerActivities = Activities & AuditActivities & LearningActivities & ErasureActivities;

export interface ActivityRuntime {
  activities: WorkerActivities;
  models: Models;
  provider: ModelProvider;
  close(): Promise<void>;
}

/**
 * One database connection, one sentence encoder and one writer for every activity this process
 * runs. Messages are understood in-process whichever writer is in use.
 */
export async function createActivityRuntime(env: Env, log: Logger, chosenProvider?: ModelProvider): Promise<ActivityRuntime> {
  const { connection, models } = await connectDatabase(env.MONGO_URL);
  // The erasure's steps delete workflow executions: a client of their own, one per process.
  const temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: temporalConnection, namespace: env.TEMPORAL_NAMESPACE });
  await seedKnowledgeBase(models, log);
  const encoder = await loadSentenceEncoder(encoderDir());
  const fallbackModel = await loadModel(env.TANDEM_MODEL_PATH);
  const registry: ModelRegistry = await createModelRegistry({
    source: { promotedId: () => promotedModelId(models), load: (id) => readModelVersion(models, id) },
    fallback: fallbackModel,
    checkEveryMs: env.TANDEM_MODEL_CHECK_MS,
    log,
  });
  // The writer the environment asks for: Ollama when OLLAMA_HOST is set, else the article itself.
  const articleWriter = createEmbeddedProvider(() => `embedded model ${registry.current().id}`);
  const provider =
    chosenProvider ??
    (env.OLLAMA_HOST
      ? createOllamaProvider({ host: env.OLLAMA_HOST, model: env.OLLAMA_MODEL, requestTimeoutMs: env.OLLAMA_TIMEOUT_MS })
      : articleWriter);
  const knowledge = createKnowledgeSearch(
    { revision: () => knowledgeRevision(models), published: () => publishedArticles(models) },
    encoder,
    path.join(cacheDir(), 'embeddings'),
  );
  const understanding = createUnderstanding({ encoder, model: registry.current, knowledge });
  const activities: WorkerActivities = {
    ...createActivities({
      models,
      understanding,
      provider,
      articleWriter,
      knowledge,
      log,
      slaWebhookUrl: env.TANDEM_SLA_WEBHOOK_URL,
      businessApi: env.TANDEM_ACTIONS_URL && env.TANDEM_ACTIONS_SECRET ? { url: env.TANDEM_ACTIONS_URL, secret: env.TANDEM_ACTIONS_SECRET } : undefined,
    }),
    ...createAuditActivities({ models, understanding, log }),
    ...createErasureActivities({ models, temporal, log }),
    ...createLearningActivities({
      models,
      log,
      config: loadSupportConfig(env.TANDEM_SUPPORT_CONFIG),
      encoder,
      knowledge,
      embeddingCacheDir: path.join(cacheDir(), 'embeddings'),
      developmentCases: parseRoutingCases(readFileSync(env.TANDEM_DEVELOPMENT_CASES, 'utf8')),
      fallbackModel,
      baseTraining: { file: env.TANDEM_TRAINING_CSV, textColumn: env.TANDEM_TRAINING_TEXT_COLUMN, labelColumn: env.TANDEM_TRAINING_LABEL_COLUMN },
      exportDir: env.TANDEM_EXPORT_DIR,
      onPromoted: registry.refresh,
    }),
  };
  const close = async (): Promise<void> => {
    registry.close();
    await Promise.all([closeQuietly(connection), temporalConnection.close()]);
  };
  return { activities, models, provider, close };
}

/** The demo knowledge base, written once; articles edited or retired later are left alone. */
async function seedKnowledgeBase(models: Models, log: Logger): Promise<void> {
  if (!existsSync(KNOWLEDGE_SEED_PATH)) return;
  const seed = JSON.parse(readFileSync(KNOWLEDGE_SEED_PATH, 'utf8')) as { articles: KnowledgeArticle[] };
  const added = await seedArticles(models, seed.articles, new Date());
  if (added > 0) log.info({ added }, 'seeded the knowledge base');
}

async function closeQuietly(connection: MongoConnection): Promise<void> {
  await connection.close().catch(() => undefined);
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Every workflow (conversations, human tasks, and the light orchestration of batch work) and the conversations' activities. */
  taskQueue: string;
  /** The heavy steps of audits and training, one at a time: never delay a customer's reply. */
  batchTaskQueue: string;
  /** Conversations kept in memory between tasks; the SDK sizes it from the heap when unset. */
  maxCachedWorkflows?: number;
  /** Which queues this process polls; both by default. */
  queues?: readonly WorkerQueue[];
  activities: WorkerActivities;
  /** A prebuilt bundle (tests build one per file; production one ahead of start); without it `workflows/` is bundled here. */
  workflowBundle?: WorkflowBundleWithSourceMap | WorkflowBundlePath;
  /** Where the worker says it is alive: its alive file, and the database for the API's health report (conversations queue). */
  heartbeat: { models: Models; log: Logger; aliveFile: string };
}

export type WorkerQueue = 'conversations' | 'batch';

/** The worker options an environment decides (namespace, queues, cache), with the runtime's activities and heartbeat. */
export function workerSettings(env: Env, connection: NativeConnection, runtime: ActivityRuntime, log: Logger) {
  return {
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    batchTaskQueue: env.TEMPORAL_BATCH_TASK_QUEUE,
    maxCachedWorkflows: env.TANDEM_WORKER_CACHED_WORKFLOWS,
    activities: runtime.activities,
    heartbeat: { models: runtime.models, log, aliveFile: workerAliveFile() },
  } satisfies Omit<WorkerOptions, 'queues' | 'workflowBundle'>;
}

/** The workers of one process, sharing one workflow bundle and one set of activities. */
export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Frames in the stack trace the SDK captures, and maps through the bundle's source map, for every
 * promise workflow code creates (it backs the Temporal UI's stack trace view). At V8's default of
 * 10 that hook took 28% of a replay's time; with 4, a task's replay went from 74 to 49 ms, and the
 * view still shows the line each workflow waits on.
 */
const WORKFLOW_STACK_FRAMES = 4;

/**
 * Says this process is alive: in its alive file (the container's health check), and, when it polls
 * the conversations queue, in the database (the API's /health). A database that is away only delays
 * the next beat there.
 */
function heartbeat(conversationsQueue: string | undefined, { models, log, aliveFile }: WorkerOptions['heartbeat']): { once: () => Promise<void> } {
  const identity = `${hostname()}:${process.pid}`;
  return {
    once: async () => {
      await Promise.all([
        writeFile(aliveFile, `${identity}\n`).catch((err: unknown) => log.warn({ err }, 'worker alive file not written')),
        conversationsQueue &&
          recordWorkerHeartbeat(models, conversationsQueue, identity).catch((err: unknown) => log.warn({ err }, 'worker heartbeat not recorded')),
      ]);
    },
  };
}

export async function createWorkers(opts: WorkerOptions): Promise<Workers> {
  // V8 reads the flag when a context is created: the workflow threads the SDK starts below get it,
  // while this thread's code (activities, logs) keeps its full stacks.
  setFlagsFromString(`--stack-trace-limit=${WORKFLOW_STACK_FRAMES}`);
  const common = { connection: opts.connection, namespace: opts.namespace, activities: opts.activities };
  const queues = opts.queues ?? ['conversations', 'batch'];
  const workers = await Promise.all(
    queues.map(async (queue) =>
      queue === 'conversations'
        ? Worker.create({
            ...common,
            taskQueue: opts.taskQueue,
            maxCachedWorkflows: opts.maxCachedWorkflows,
            workflowBundle: opts.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') })),
          })
        : // Activities only: every workflow runs on the conversations queue, because a worker with
          // workflows runs a thread of its own for them, about 60 MB more.
          Worker.create({ ...common, taskQueue: opts.batchTaskQueue, maxConcurrentActivityTaskExecutions: 1 }),
    ),
  );
  const beat = heartbeat(queues.includes('conversations') ? opts.taskQueue : undefined, opts.heartbeat);
  await beat.once();
  return {
    run: async () => {
      const timer = setInterval(() => void beat.once(), WORKER_HEARTBEAT_EVERY_MS);
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        clearInterval(timer);
      }
    },
    // Idempotent: a test may stop the workers mid-way and its teardown stop them again.
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
  };
}
