import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../../config/env';
import { isAlive, sleep, startTypeScriptProcess } from '../../scripts/stack/processes';
import { agents } from './harness';

/**
 * The production worker (conversations queue) as a process of its own in `runDir`, for tests that
 * kill it; resolves with its pid once its log says it started (written after the workers are created).
 */
export async function startWorkerProcess(runDir: string, env: Env, bundlePath: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<number> {
  const pid = startTypeScriptProcess(runDir, 'worker', 'workers/main.ts', workerProcessEnv(env, bundlePath, extraEnv));
  const log = path.join(runDir, 'logs', 'worker.log');
  const offset = fs.existsSync(log) ? fs.statSync(log).size : 0;
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (!isAlive(pid)) throw new Error(`worker exited:\n${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    if (fs.readFileSync(log, 'utf8').slice(offset).includes('"msg":"worker started"')) return pid;
    await sleep(100);
  }
  throw new Error('worker did not start in 60 s');
}

/** The environment of a conversations worker process on the test stack of `env`. */
export function workerProcessEnv(env: Env, bundlePath: string, extraEnv: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
    MONGO_URL: env.MONGO_URL,
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
    TEMPORAL_BATCH_TASK_QUEUE: env.TEMPORAL_BATCH_TASK_QUEUE,
    LOG_LEVEL: 'info', // its 'worker started' line is the readiness signal
    TANDEM_WORKER_QUEUES: 'conversations',
    TANDEM_API_KEYS: env.TANDEM_API_KEYS.join(','),
    TANDEM_OPERATOR_KEYS: env.TANDEM_OPERATOR_KEYS.join(','),
    TANDEM_TOKEN_SECRET: env.TANDEM_TOKEN_SECRET,
    TANDEM_AGENTS: JSON.stringify(agents),
    TANDEM_WORKFLOW_BUNDLE: bundlePath,
    ...extraEnv,
  };
}
