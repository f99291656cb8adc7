import { readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { loadEnv } from '../../config/env';
import { createLogger } from '../../config/logger';
import { createActivityRuntime, createWorkers } from '../../workers/runtime';

// The production worker wiring with a workflow bundle built once by the fault tests, so that a
// worker killed twenty times restarts in a second or two instead of re-bundling each time.
async function main(): Promise<void> {
  const env = loadEnv();
  const bundlePath = process.env.TANDEM_WORKFLOW_BUNDLE;
  if (!bundlePath) throw new Error('TANDEM_WORKFLOW_BUNDLE is not set');
  const runtime = await createActivityRuntime(env, createLogger('fault-worker', env.LOG_LEVEL));
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const workers = await createWorkers({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    batchTaskQueue: env.TEMPORAL_BATCH_TASK_QUEUE,
    activities: runtime.activities,
    workflowBundle: { code: readFileSync(bundlePath, 'utf8'), sourceMap: readFileSync(`${bundlePath}.map`, 'utf8') },
  });
  process.stdout.write('fault worker running\n');
  await workers.run();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
