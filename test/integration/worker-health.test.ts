import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_SILENT_AFTER_MS } from '../../db/worker-heartbeats';
import { bundleWorkflows, listProcesses, sleep } from '../../scripts/stack/processes';
import { stopStack } from '../../scripts/stack/services';
import { testEnv } from '../support/harness';
import { startWorkerProcess } from '../support/worker-process';

// The health check of the worker containers (docker-compose.yml) against real worker processes:
// scripts/worker-health.ts as Docker runs it, with each worker's alive file where it writes it.

const runDir = mkdtempSync(join(tmpdir(), 'tandem-worker-health-'));
const env = testEnv();
let bundlePath: string;

beforeAll(() => {
  bundlePath = bundleWorkflows(runDir);
}, 120_000);

afterAll(async () => {
  await stopStack(runDir);
}, 60_000);

/** The health command's exit status for the worker whose alive file is `aliveFile`. */
function workerHealth(aliveFile: string): number | null {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/worker-health.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TANDEM_WORKER_ALIVE_FILE: aliveFile },
    stdio: 'ignore',
  }).status;
}

test('when no worker has started, then the health check fails', () => {
  expect(workerHealth(join(runDir, 'never-started.alive'))).toBe(1);
});

test('when the conversations worker runs, then it is healthy; when it is killed, then it is unhealthy once silent', async () => {
  const aliveFile = join(runDir, 'conversations.alive');
  await startWorkerProcess(runDir, env, bundlePath, { TANDEM_WORKER_ALIVE_FILE: aliveFile });
  await sleep(4_000); // past one beat of the running worker, not just the one at start

  const whileRunning = workerHealth(aliveFile);
  const worker = listProcesses(runDir).find((p) => p.name === 'worker' && p.alive);
  process.kill(-(worker?.pid as number), 'SIGKILL');
  await sleep(WORKER_SILENT_AFTER_MS + 1_000);
  const afterKill = workerHealth(aliveFile);

  expect(whileRunning).toBe(0);
  expect(afterKill).toBe(1);
}, 120_000);

test('when the batch worker runs (activities only, no database heartbeat), then it is healthy too', async () => {
  const aliveFile = join(runDir, 'batch.alive');
  await startWorkerProcess(runDir, env, bundlePath, { TANDEM_WORKER_ALIVE_FILE: aliveFile, TANDEM_WORKER_QUEUES: 'batch' });
  await sleep(4_000);

  expect(workerHealth(aliveFile)).toBe(0);
}, 120_000);
