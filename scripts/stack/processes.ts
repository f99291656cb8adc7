// Processes of a stack: spawned in their own process group with a log and a pid file under the run
// folder (so they can be found, reused and stopped later), plus the waiting, locking and logged
// command runs the installer and the services share.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './paths';

const STOP_GRACE_MS = 10_000;
/** Builds of Ollama take minutes on two cores; a process waiting for the install lock must outlast one. */
const LOCK_TIMEOUT_MS = 30 * 60_000;

export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
  constructor(
    readonly service: string,
    reason: string,
    readonly logPath?: string,
  ) {
    super(
      logPath
        ? `${service} failed to start: ${reason}\n--- last lines of ${logPath} ---\n${tail(logPath)}\n--- full log: ${logPath}`
        : `${service} failed to start: ${reason}`,
    );
  }
}


/**
 * Starts a long-running process of the stack (worker, API) in its own process group, with its log
 * in `<runDir>/logs/<name>.log` and its pid recorded so `stopStack` stops it.
 */
export function startProcess(runDir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const child = spawnLogged(runDir, name, command, args, env, { detached: true });
  child.unref();
  return child.pid as number;
}

/**
 * Spawns `command` with its output appended to `<runDir>/logs/<name>.log` and its pid recorded
 * under `<runDir>/pids`; `detached` makes it lead a process group of its own.
 */
export function spawnLogged(
  runDir: string,
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { detached: boolean },
): ChildProcess {
  const dir = path.resolve(runDir);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const logPath = serviceLogPath(dir, name);
  fs.appendFileSync(logPath, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const log = fs.openSync(logPath, 'a');
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: opts.detached, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.on('error', (error) => fs.appendFileSync(logPath, `failed to spawn ${command}: ${error.message}\n`));
  if (child.pid === undefined) throw new ServiceStartError(name, `could not spawn ${command}`, logPath);
  fs.mkdirSync(path.join(dir, 'pids'), { recursive: true });
  fs.writeFileSync(pidPath(dir, name), String(child.pid));
  return child;
}

/**
 * How one of the project's TypeScript entry points (worker, API) runs: a single node process that
 * compiles on load, no wrapper process holding memory beside it.
 */
export function typeScriptCommand(entry: string, env: NodeJS.ProcessEnv, args: string[] = []): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return { command: process.execPath, args: [...PRODUCT_NODE_FLAGS, '--import', 'tsx', entry, ...args], env: { ...PRODUCT_PROCESS_ENV, ...env } };
}

export function startTypeScriptProcess(runDir: string, name: string, entry: string, env: NodeJS.ProcessEnv, args: string[] = []): number {
  const run = typeScriptCommand(entry, env, args);
  return startProcess(runDir, name, run.command, run.args, run.env);
}

/**
 * glibc gives every thread that allocates an arena of its own and seldom hands their memory back:
 * the worker's Rust and V8 threads kept 411 MB resident with 1,000 open conversations, 331-386 MB
 * with two arenas. The Dockerfile sets the same.
 */
const PRODUCT_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * V8 sized for a small resident set rather than for its defaults on a 24 GB machine: 4 MB young
 * semi-spaces instead of 16 (the worker runs two isolates, its own and the workflow thread's), the
 * old generation collected again once it grows by half its live size, and a quiet process handing
 * memory back after 1 s of quiet instead of 8. Worker with 1,000 open conversations (bench/RESULTS.md):
 * idle 331 -> 273-276 MB, open 440 -> 402-409 MB. Node refuses the last two in NODE_OPTIONS; the
 * Dockerfile's entrypoint passes the same.
 */
export const PRODUCT_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--gc-memory-reducer-start-delay-ms=1000'];

/** Bundles the workflow code into the run folder for the worker processes; returns its path. */
export function bundleWorkflows(runDir: string): string {
  const out = path.join(path.resolve(runDir), 'workflow-bundle.js');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bundle-workflows.ts', out], { cwd: REPO_ROOT, stdio: 'ignore' });
  return out;
}

export interface ProcessStatus {
  name: string;
  pid: number;
  alive: boolean;
  logPath: string;
}

/** Processes recorded in `runDir`, alive or not. */
export function listProcesses(runDir: string): ProcessStatus[] {
  const dir = path.resolve(runDir);
  const pids = path.join(dir, 'pids');
  if (!fs.existsSync(pids)) return [];
  return fs
    .readdirSync(pids)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => file.slice(0, -'.pid'.length))
    .flatMap((name) => {
      const pid = readPid(dir, name);
      return pid === undefined ? [] : [{ name, pid, alive: isAlive(pid), logPath: serviceLogPath(dir, name) }];
    });
}

export function serviceLogPath(runDir: string, name: string): string {
  return path.join(path.resolve(runDir), 'logs', `${name}.log`);
}

export async function stopProcess(runDir: string, name: string): Promise<void> {
  const pid = readPid(runDir, name);
  if (pid === undefined) return;
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGTERM');
    const ended = await waitUntil(async () => !isAlive(pid), STOP_GRACE_MS);
    if (!ended) {
      signalGroup(pid, 'SIGKILL');
      await waitUntil(async () => !isAlive(pid), 5_000);
    }
  }
  removePid(runDir, name);
}

const pidPath = (runDir: string, name: string): string => path.join(runDir, 'pids', `${name}.pid`);

export function readPid(runDir: string, name: string): number | undefined {
  const file = pidPath(runDir, name);
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function removePid(runDir: string, name: string): void {
  fs.rmSync(pidPath(runDir, name), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child of this very process stays a zombie until Node reaps it; count it as gone.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Each process we start leads its own group, so this reaches its children too (tsx → node). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(200);
  }
  return condition();
}

/** Cross-process mutual exclusion by an atomic mkdir; a lock left by a dead process is taken over. */
export async function withLock<T>(dir: string, name: string, body: () => Promise<T>): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, `${name}.lock`);
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readIfExists(path.join(lock, 'pid')));
      // Reentrant for this process: startStack holds the run lock and installs under the cache lock.
      if (holder === process.pid) return body();
      if (holder > 0 && !isAlive(holder)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${holder})`);
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function tail(file: string, lines = 30): string {
  return readIfExists(file).trimEnd().split('\n').slice(-lines).join('\n');
}

export function progress(message: string): void {
  process.stderr.write(`[tandem] ${message}\n`);
}

export function runLogged(
  command: string,
  args: string[],
  options: { logPath: string; what: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<void> {
  fs.mkdirSync(path.dirname(options.logPath), { recursive: true });
  fs.appendFileSync(options.logPath, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const log = fs.openSync(options.logPath, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', log, log] });
    child.on('error', (error) => reject(new Error(`${options.what}: cannot run ${command}: ${error.message}`)));
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${options.what} failed (exit ${code}).\n--- last lines of ${options.logPath} ---\n${tail(options.logPath)}`,
          ),
        );
    });
  }).finally(() => fs.closeSync(log));
}

export function runCaptured(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', () => resolve(''));
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}
