import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWebServer, stopWebServer, type RunningWebServer } from '../../api/server';
import type { Env } from '../../config/env';
import { bundleWorkflows, isAlive, readPid, sleep, startTypeScriptProcess, stopProcess } from '../../scripts/stack/processes';
import { SUPERVISOR, readRestarts, writeSupervisorPlan } from '../../scripts/stack/supervisor';
import { testEnv } from '../support/harness';
import { requestJson } from '../support/http';
import { workerProcessEnv } from '../support/worker-process';

// `./tandem start` runs the API and workers under a supervisor: one that dies is started again by
// itself, and `./tandem stop` (SIGTERM to the supervisor) stops them all with nothing restarted.

let runDir: string;
let env: Env;
let api: RunningWebServer;

beforeAll(async () => {
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-supervision-'));
  env = testEnv();
  writeSupervisorPlan(runDir, [{ name: 'worker', entry: 'workers/main.ts', env: {} }]);
  startTypeScriptProcess(runDir, SUPERVISOR, 'scripts/supervise.ts', workerProcessEnv(env, bundleWorkflows(runDir)), [runDir]);
  api = await startWebServer(env);
}, 120_000);

afterAll(async () => {
  await stopWebServer();
  await stopProcess(runDir, SUPERVISOR);
});

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const workerUp = async (): Promise<true | undefined> =>
  (await requestJson(api.url, 'GET', '/health', '')).body?.worker?.up === true ? true : undefined;

test('when the supervised worker is killed, then it runs again within 5 s, the restart is logged and counted, and health sees it back', async () => {
  await until(workerUp, 90_000, 'the first worker reporting healthy');
  const killed = readPid(runDir, 'worker') as number;

  process.kill(killed, 'SIGKILL');
  const killedAt = Date.now();
  const restarted = await until(
    () => {
      const pid = readPid(runDir, 'worker');
      return pid !== undefined && pid !== killed && isAlive(pid) ? pid : undefined;
    },
    10_000,
    'a new worker process',
  );
  const backAfterMs = Date.now() - killedAt;
  console.info(`worker running again ${backAfterMs} ms after SIGKILL`);

  expect(backAfterMs).toBeLessThan(5_000);
  expect(readRestarts(runDir).worker).toMatchObject({ restarts: 1, lastExit: 'signal SIGKILL' });
  expect(fs.readFileSync(path.join(runDir, 'logs', `${SUPERVISOR}.log`), 'utf8')).toContain(`worker (pid ${killed}) exited with signal SIGKILL; restarting`);
  await until(workerUp, 90_000, 'the restarted worker reporting healthy');

  await stopProcess(runDir, SUPERVISOR);
  await sleep(1_000);
  expect(isAlive(restarted)).toBe(false);
  expect(readPid(runDir, 'worker')).toBe(restarted);
  expect(readRestarts(runDir).worker?.restarts).toBe(1);
}, 240_000);
