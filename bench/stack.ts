// A private stack started as separate processes like production: Temporal (the dev server on
// SQLite, or the server on PostgreSQL) and FerretDB in a run folder of its own (or the servers named
// by TEMPORAL_ADDRESS / MONGO_URL), optionally Ollama, one or more product worker processes and the
// API, plus whatever else a caller runs beside them. The benchmarks use it in .run/bench with the
// floor worker; `npm run eval:conversations` in .run/eval. The load generator (or evaluator) is the
// calling process itself.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows, httpOk, listProcesses, sleep, startTypeScriptProcess, stopProcess, tail } from '../scripts/stack/processes';
import { stackProfile, type ServiceName, type StackProfile } from '../scripts/stack/profiles';
import { stackEnv, startStack, stopStack, stopStackAndClearStores, type TemporalBackend } from '../scripts/stack/services';

const API_READY_TIMEOUT_MS = 120_000;

export interface PrivateStackOptions extends StackProfile {
  /** Names the credentials and the fresh database (`<name><time>`). */
  name: string;
  /** Also start Ollama (or use OLLAMA_HOST) and point the worker at it; otherwise the embedded model. */
  ollama?: boolean;
  /** Processes started beside the worker and the API, with the same environment (the bench's floor worker). */
  extraProcesses?: { name: string; entry: string }[];
  /** Variables for the worker and the API, over the stack's own. */
  extraEnv?: Record<string, string>;
  /** The Temporal server it starts: `dev` (default) or `postgres`. */
  temporal?: TemporalBackend;
  /** Product worker processes, each polling both queues: `worker`, `worker-2`, …; one by default. */
  workers?: number;
}

export interface PrivateStack {
  apiUrl: string;
  apiKey: string;
  operatorKey: string;
  agentToken: string;
  env: NodeJS.ProcessEnv;
  temporalAddress: string;
  /** The model the worker answers with: `embedded`, or `ollama <model>`. */
  model: string;
  /** CPU seconds each stack process (and this process, as `bench`) has used so far. */
  cpuSeconds(): Record<string, number>;
  /** Restarts every product worker process. */
  restartWorker(): Promise<void>;
  /** Resident memory once a process has gone quiet: the median of ten samples a second apart. */
  settledRssMb(name: string): Promise<number>;
  stop(): Promise<void>;
}

export type BenchStack = PrivateStack;

export interface BenchStackOptions {
  extraEnv?: Record<string, string>;
  temporal?: TemporalBackend;
  workers?: number;
}

/**
 * The benchmarks' stack, with the floor worker. The floor stays one process whatever `workers`
 * says: it measures what a bare Update costs the server, and one process of it is not what limits
 * it (bench/RESULTS.md: under two thirds of a core at its fastest).
 */
export function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  return startPrivateStack({
    name: 'bench',
    ...stackProfile('bench'),
    extraProcesses: [{ name: 'floor', entry: 'bench/floor-worker.ts' }],
    ...options,
  });
}

/** The process names of `count` product workers. */
export function workerNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`the number of workers must be a whole number from 1, got ${count}`);
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'worker' : `worker-${i + 1}`));
}

/**
 * Starts a fresh stack in `runDir` and returns once the API answers and the worker has gone quiet
 * (it seeds the knowledge base and the model after it starts). Whatever it started is stopped again
 * when it fails.
 */
export async function startPrivateStack(options: PrivateStackOptions): Promise<PrivateStack> {
  // A fresh stack: no workflows, timers or documents left over from an earlier run to compete
  // with the one measured (open handoffs of the SLA benchmark fire their timers for days).
  await stopStackAndClearStores(options.runDir);
  try {
    return await launch(options);
  } catch (error) {
    await stopStack(options.runDir);
    throw error;
  }
}

async function launch(options: PrivateStackOptions): Promise<PrivateStack> {
  const { name, runDir, ports, apiPort, extraProcesses = [], extraEnv = {} } = options;
  const workers = workerNames(options.workers ?? 1);
  // The demo store answers the actions (order lookups) the way the business's API would.
  const services: ServiceName[] = options.ollama ? ['temporal', 'mongo', 'ollama', 'demoStore'] : ['temporal', 'mongo', 'demoStore'];
  const info = await startStack({ services, runDir, mongoDatabase: `${name}${Date.now()}`, ports, temporalBackend: options.temporal });
  const apiKey = `${name}-${randomBytes(16).toString('hex')}`;
  const agentToken = `${name}-agent-${randomBytes(16).toString('hex')}`;
  const operatorKey = `${name}-op-${randomBytes(16).toString('hex')}`;
  const env = stackEnv(info, {
    ...process.env,
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    TANDEM_API_KEYS: apiKey,
    TANDEM_OPERATOR_KEYS: operatorKey,
    TANDEM_TOKEN_SECRET: randomBytes(32).toString('hex'),
    TANDEM_AGENTS: JSON.stringify([
      { id: name, name: `${name} agent`, token: agentToken, queues: ['general', 'billing', 'technical', 'complaints', 'supervisors'], capacity: 100000 },
    ]),
    TANDEM_RATE_LIMIT_PER_MINUTE: '1000000',
    TANDEM_API_KEY_RATE_LIMIT_PER_MINUTE: '1000000',
    // Latency is what the benchmarks measure: a slow reply is waited for, not turned into 202 pending.
    TANDEM_ANSWER_WITHIN_MS: '60000',
    ...extraEnv,
  });
  env.TANDEM_WORKFLOW_BUNDLE = bundleWorkflows(runDir);
  // Workers differ only in their alive file (each its own, as in their own containers).
  const startWorker = (worker: string) => {
    const aliveFile = path.join(runDir, `${worker}.alive`);
    rmSync(aliveFile, { force: true });
    startTypeScriptProcess(runDir, worker, 'workers/main.ts', { ...env, TANDEM_WORKER_ALIVE_FILE: aliveFile });
  };
  startWorker('worker');
  startTypeScriptProcess(runDir, 'api', 'api/main.ts', env);
  for (const extra of extraProcesses) startTypeScriptProcess(runDir, extra.name, extra.entry, env);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  while (!(await httpOk(`${apiUrl}/health`))) {
    const crashed = listProcesses(runDir).filter((p) => !p.alive);
    if (crashed.length > 0 || Date.now() > deadline) {
      const why = crashed.length > 0 ? `${crashed.map((p) => p.name).join(' and ')} exited` : `no answer within ${API_READY_TIMEOUT_MS / 1000} s`;
      const logs = crashed.map((p) => `--- last lines of ${p.logPath} ---\n${tail(p.logPath)}`).join('\n');
      throw new Error(`the API did not come up at ${apiUrl}: ${why}; see ${runDir}/logs${logs ? `\n${logs}` : ''}`);
    }
    await sleep(250);
  }
  const pidOf = (processName: string): number => {
    const p = listProcesses(runDir).find((x) => x.name === processName && x.alive);
    if (!p) throw new Error(`${processName} is not running; see ${runDir}/logs/${processName}.log`);
    return p.pid;
  };
  // The worker seeds the knowledge base and the model after it starts: measure after that. The
  // others start once it is done, so that no two seed at once.
  await untilQuiet(() => cpuSecondsOf(pidOf('worker')));
  for (const worker of workers.slice(1)) {
    startWorker(worker);
    await waitForWorker(runDir, worker);
    await untilQuiet(() => cpuSecondsOf(pidOf(worker)));
  }
  return {
    apiUrl,
    apiKey,
    operatorKey,
    agentToken,
    env,
    temporalAddress: info.temporalAddress,
    model: info.ollamaHost ? `ollama ${info.ollamaModel}` : 'embedded',
    cpuSeconds: () => {
      const own = process.cpuUsage();
      const out: Record<string, number> = { bench: (own.user + own.system) / 1e6 };
      const table = processTable();
      for (const p of listProcesses(runDir)) if (p.alive) out[p.name] = cpuSecondsOf(p.pid, table);
      return out;
    },
    settledRssMb: async (processName) => {
      await untilQuiet(() => cpuSecondsOf(pidOf(processName)));
      const samples: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        samples.push(rssKb(pidOf(processName)) / 1024);
        await sleep(1000);
      }
      return samples.sort((a, b) => a - b)[5] as number;
    },
    restartWorker: async () => {
      await Promise.all(workers.map((worker) => stopProcess(runDir, worker)));
      for (const worker of workers) startWorker(worker);
    },
    stop: async () => {
      await stopStack(runDir);
    },
  };
}

const WORKER_READY_TIMEOUT_MS = 120_000;

/** Waits until a worker process has written its alive file (after its first heartbeat), or fails with its log. */
async function waitForWorker(runDir: string, worker: string): Promise<void> {
  const deadline = Date.now() + WORKER_READY_TIMEOUT_MS;
  const aliveFile = path.join(runDir, `${worker}.alive`);
  for (;;) {
    const status = listProcesses(runDir).find((p) => p.name === worker);
    if (!status?.alive) throw new Error(`${worker} exited during start-up\n--- last lines of ${status?.logPath} ---\n${tail(status?.logPath ?? '')}`);
    if (existsSync(aliveFile)) return;
    if (Date.now() > deadline) throw new Error(`${worker} did not start within ${WORKER_READY_TIMEOUT_MS / 1000} s; see ${status.logPath}`);
    await sleep(500);
  }
}

const CLOCK_TICKS_PER_SECOND = 100;
const QUIET_SHARE = 0.1;
const QUIET_TIMEOUT_MS = 120_000;

/** Waits until a process uses under a tenth of a core over a second. */
async function untilQuiet(cpuSeconds: () => number): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  for (let before = cpuSeconds(); Date.now() < deadline; ) {
    await sleep(1000);
    const now = cpuSeconds();
    if (now - before < QUIET_SHARE) return;
    before = now;
  }
}

/**
 * CPU seconds of a stack process and every process under it: utime + stime of each live one, plus
 * what their ended children used (cutime + cstime). PostgreSQL serves each connection from a
 * process of its own, in a session of its own; the other services are one process each.
 */
function cpuSecondsOf(pid: number, table = processTable()): number {
  let ticks = 0;
  for (const pending = [pid]; pending.length > 0; ) {
    const entry = table.get(pending.pop() as number);
    if (!entry) continue;
    ticks += entry.ticks;
    pending.push(...entry.children);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Every live process: its children and its own and its ended children's CPU ticks, from /proc/PID/stat. */
function processTable(): Map<number, { children: number[]; ticks: number }> {
  const table = new Map<number, { children: number[]; ticks: number }>();
  const parents: [number, number][] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended since the listing
    }
    // After the command name: state, ppid, …; utime, stime, cutime, cstime are fields 14-17 of the file.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    table.set(pid, { children: [], ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) });
    parents.push([pid, Number(fields[1])]);
  }
  for (const [pid, ppid] of parents) table.get(ppid)?.children.push(pid);
  return table;
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
