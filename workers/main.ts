import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadEnv } from '../config/env';
import { createLogger } from '../app/logger';
import { exitOnUnhandledFailures } from '../app/process-failures';
import { ensureRetrainingSchedule } from './retraining-schedule';
import { createActivityRuntime, createWorkers, workerSettings } from './runtime';

async function main(): Promise<void> {
  const env = loadEnv();
  const log = createLogger('worker', env.LOG_LEVEL);
  exitOnUnhandledFailures(log);
  const runtime = await createActivityRuntime(env, log);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const workers = await createWorkers({
    ...workerSettings(env, connection, runtime, log),
    queues: env.TANDEM_WORKER_QUEUES,
    workflowBundle: env.TANDEM_WORKFLOW_BUNDLE ? { codePath: env.TANDEM_WORKFLOW_BUNDLE } : undefined,
  });
  if (env.TANDEM_WORKER_QUEUES.includes('batch')) {
    await ensureRetrainingSchedule(
      new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
      { taskQueue: env.TEMPORAL_TASK_QUEUE, batchTaskQueue: env.TEMPORAL_BATCH_TASK_QUEUE, interval: env.TANDEM_RETRAIN_INTERVAL },
      log,
    );
  }
  log.info({ queues: env.TANDEM_WORKER_QUEUES, provider: runtime.provider.name }, 'worker started');
  // The SDK shuts the workers down gracefully on SIGINT/SIGTERM; run() resolves after that.
  await workers.run();
  await Promise.all([connection.close(), runtime.close()]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
