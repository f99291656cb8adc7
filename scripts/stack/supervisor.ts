// The stack's app processes (API, workers) kept running. `./tandem start` starts the supervisor
// (scripts/supervise.ts); it starts each app as its child, restarts one that exits after a
// growing pause, and logs and counts every restart for `./tandem status`. Stopping it (SIGTERM, as
// `./tandem stop` does) stops its apps gracefully and restarts nothing.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spawnLogged, typeScriptCommand } from './processes';

/** The supervisor's name in the run folder's pids and logs. */
export const SUPERVISOR = 'supervisor';

export interface SupervisedApp {
  name: string;
  /** TypeScript entry point, from the repository root. */
  entry: string;
  /** What this app adds to the supervisor's environment (no secrets: the plan is a file). */
  env: Record<string, string>;
}

/** An app's restarts since the supervisor started, for `./tandem status`. */
export interface RestartRecord {
  restarts: number;
  /** When it last exited, and how: "signal SIGKILL", "code 1". */
  lastAt: string;
  lastExit: string;
}

/**
 * Pauses before a restart: the first is short (a killed worker is back within seconds), a crash
 * loop doubles them, and an app that ran `healthyAfterMs` starts again from the first.
 */
const PAUSES = { firstMs: 250, longestMs: 30_000, healthyAfterMs: 60_000 };
/** How long stopping apps may take before they are killed. */
const STOP_GRACE_MS = 10_000;

const planPath = (runDir: string): string => path.join(path.resolve(runDir), 'supervisor-plan.json');
const restartsPath = (runDir: string): string => path.join(path.resolve(runDir), 'restarts.json');

export function writeSupervisorPlan(runDir: string, apps: SupervisedApp[]): void {
  fs.writeFileSync(planPath(runDir), JSON.stringify(apps, null, 2));
  fs.rmSync(restartsPath(runDir), { force: true });
}

/** Restarts so far, by app, since the supervisor started. */
export function readRestarts(runDir: string): Record<string, RestartRecord> {
  const file = restartsPath(runDir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, RestartRecord>) : {};
}

/** The pause before restarting an app that failed `failures` times in a row. */
function restartPause(failures: number): number {
  return Math.min(PAUSES.longestMs, PAUSES.firstMs * 2 ** Math.max(0, failures - 1));
}

/** Runs the plan in `runDir` until SIGTERM or SIGINT: the body of `scripts/supervise.ts`. */
export function supervise(runDir: string): void {
  const apps = JSON.parse(fs.readFileSync(planPath(runDir), 'utf8')) as SupervisedApp[];
  const children = new Map<string, ChildProcess>();
  const restarts = readRestarts(runDir);
  let stopping = false;
  const say = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);

  const launch = (app: SupervisedApp, failures: number): void => {
    const run = typeScriptCommand(app.entry, { ...process.env, ...app.env });
    const child = spawnLogged(runDir, app.name, run.command, run.args, run.env, { detached: false });
    const startedAt = Date.now();
    children.set(app.name, child);
    child.once('exit', (code, signal) => {
      children.delete(app.name);
      if (stopping) return;
      const inARow = Date.now() - startedAt >= PAUSES.healthyAfterMs ? 1 : failures + 1;
      const pause = restartPause(inARow);
      const exit = signal ? `signal ${signal}` : `code ${code}`;
      const record = restarts[app.name] ?? { restarts: 0, lastAt: '', lastExit: '' };
      restarts[app.name] = { restarts: record.restarts + 1, lastAt: new Date().toISOString(), lastExit: exit };
      fs.writeFileSync(restartsPath(runDir), JSON.stringify(restarts, null, 2));
      say(`${app.name} (pid ${child.pid}) exited with ${exit}; restarting in ${pause} ms (failure ${inARow} in a row)`);
      setTimeout(() => !stopping && launch(app, inARow), pause);
    });
    say(`${app.name} started (pid ${child.pid})`);
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ${[...children.keys()].join(', ') || 'nothing'}`);
    for (const child of children.values()) child.kill('SIGTERM');
    const forced = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), STOP_GRACE_MS);
    const done = setInterval(() => {
      if (children.size > 0) return;
      clearInterval(done);
      clearTimeout(forced);
      process.exit(0);
    }, 100);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (const app of apps) launch(app, 0);
}
