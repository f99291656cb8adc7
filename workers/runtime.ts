import { readFileSync, existsSync } from 'node:fs';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Connection as MongoConnection } from 'mongoose';
import type { Env } from '../config/env';
import { createActivities, type Activities } from '../activities';
import { createKnowledgeSearch } from '../activities/knowledge-search';
import type { ModelProvider } from '../ai/provider';
import { createEmbeddedProvider } from '../ai/embedded/provider';
import { loadModel } from '../ai/model-store';
import { createOllamaProvider } from '../ai/ollama/provider';
import { connectDatabase, type Models } from '../db/models';
import { seedArticles } from '../db/knowledge';
import type { KnowledgeArticle } from '../domain/types';

export const KNOWLEDGE_SEED_PATH = 'data/knowledge-seed.json';

export interface ActivityRuntime {
  activities: Activities;
  models: Models;
  provider: ModelProvider;
  close(): Promise<void>;
}

/** The provider the environment asks for: Ollama when OLLAMA_HOST is set, else the embedded model. */
export async function createProvider(env: Env): Promise<ModelProvider> {
  if (env.OLLAMA_HOST) return createOllamaProvider({ host: env.OLLAMA_HOST, model: env.OLLAMA_MODEL });
  return createEmbeddedProvider({ model: await loadModel(env.TANDEM_MODEL_PATH) });
}

/** One database connection and one model provider for every activity this process runs. */
export async function createActivityRuntime(env: Env, log: Logger, chosenProvider?: ModelProvider): Promise<ActivityRuntime> {
  const provider = chosenProvider ?? (await createProvider(env));
  const { connection, models } = await connectDatabase(env.MONGO_URL);
  await seedKnowledgeBase(models, log);
  const activities = createActivities({ models, provider: () => provider, knowledge: createKnowledgeSearch(models), log });
  return { activities, models, provider, close: () => closeQuietly(connection) };
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
  /** Conversations and human tasks: never delayed by batch work. */
  taskQueue: string;
  /** Audits and retraining: heavy, one activity at a time. */
  batchTaskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build one per file); without it `workflows/` is bundled once here. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

/** The two workers of one process, sharing one workflow bundle and one set of activities. */
export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers(opts: WorkerOptions): Promise<Workers> {
  const workflowBundle = opts.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') }));
  const common = { connection: opts.connection, namespace: opts.namespace, activities: opts.activities, workflowBundle };
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue: opts.taskQueue }),
    Worker.create({ ...common, taskQueue: opts.batchTaskQueue, maxConcurrentActivityTaskExecutions: 1 }),
  ]);
  return {
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => workers.forEach((w) => w.shutdown()),
  };
}
