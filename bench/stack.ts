// The system under test, started as separate processes like production: Temporal dev server and
// FerretDB in .run/bench (or the servers named by TEMPORAL_ADDRESS / MONGO_URL), the product worker,
// the API, and the floor worker. The load generator is the benchmark process itself.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, bundleWorkflows, httpOk, listProcesses, sleep, startStack, startTypeScriptProcess, stopProcess, stopStack, stopStackAndClearStores } from '../scripts/stack';

export const BENCH_RUN_DIR = path.join(REPO_ROOT, '.run', 'bench');

export interface BenchStack {
  apiUrl: string;
  apiKey: string;
  operatorKey: string;
  agentToken: string;
  env: NodeJS.ProcessEnv;
  temporalAddress: string;
  /** CPU seconds each stack process (and this load generator, as `bench`) has used so far. */
  cpuSeconds(): Record<string, number>;
  restartWorker(): Promise<void>;
  /** Resident memory once a process has gone quiet: the median of ten samples a second apart. */
  settledRssMb(name: 'worker' | 'api'): Promise<number>;
  stop(): Promise<void>;
}

export async function startBenchStack(extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  // A fresh stack: no workflows, timers or documents left over from an earlier run to compete
  // with the one measured (open handoffs of the SLA benchmark fire their timers for days).
  await stopStackAndClearStores(BENCH_RUN_DIR);
  const info = await startStack({
    services: ['temporal', 'mongo'],
    runDir: BENCH_RUN_DIR,
    mongoDatabase: `bench${Date.now()}`,
    ports: { temporal: 57233, temporalUi: 58233, mongo: 57017, ollama: 51434 },
  });
  const apiKey = `bench-${randomBytes(16).toString('hex')}`;
  const agentToken = `bench-agent-${randomBytes(16).toString('hex')}`;
  const operatorKey = `bench-op-${randomBytes(16).toString('hex')}`;
  const port = 53000;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: info.temporalAddress,
    MONGO_URL: info.mongoUrl,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    TANDEM_API_KEYS: apiKey,
    TANDEM_OPERATOR_KEYS: operatorKey,
    TANDEM_TOKEN_SECRET: randomBytes(32).toString('hex'),
    TANDEM_AGENTS: JSON.stringify([{ id: 'bench', name: 'Bench Agent', token: agentToken, queues: ['general', 'billing', 'technical', 'complaints', 'supervisors'], capacity: 100000 }]),
    TANDEM_RATE_LIMIT_PER_MINUTE: '1000000',
    TANDEM_API_KEY_RATE_LIMIT_PER_MINUTE: '1000000',
    ...extraEnv,
  };
  delete env.OLLAMA_HOST;
  env.TANDEM_WORKFLOW_BUNDLE = bundleWorkflows(BENCH_RUN_DIR);
  const startWorker = () => startTypeScriptProcess(BENCH_RUN_DIR, 'worker', 'workers/main.ts', env);
  startWorker();
  startTypeScriptProcess(BENCH_RUN_DIR, 'api', 'api/main.ts', env);
  startTypeScriptProcess(BENCH_RUN_DIR, 'floor', 'bench/floor-worker.ts', env);
  const apiUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (!(await httpOk(`${apiUrl}/health`))) {
    if (Date.now() > deadline) throw new Error(`the API did not come up; see ${BENCH_RUN_DIR}/logs`);
    await sleep(250);
  }
  const pidOf = (name: string): number => {
    const p = listProcesses(BENCH_RUN_DIR).find((x) => x.name === name && x.alive);
    if (!p) throw new Error(`${name} is not running; see ${BENCH_RUN_DIR}/logs/${name}.log`);
    return p.pid;
  };
  // The worker seeds the knowledge base and the model after it starts: measure after that.
  await untilQuiet(() => cpuSecondsOf(pidOf('worker')));
  return {
    apiUrl,
    apiKey,
    operatorKey,
    agentToken,
    env,
    temporalAddress: info.temporalAddress,
    cpuSeconds: () => {
      const own = process.cpuUsage();
      const out: Record<string, number> = { bench: (own.user + own.system) / 1e6 };
      for (const p of listProcesses(BENCH_RUN_DIR)) if (p.alive) out[p.name] = cpuSecondsOf(p.pid);
      return out;
    },
    settledRssMb: async (name) => {
      await untilQuiet(() => cpuSecondsOf(pidOf(name)));
      const samples: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        samples.push(rssKb(pidOf(name)) / 1024);
        await sleep(1000);
      }
      return samples.sort((a, b) => a - b)[5] as number;
    },
    restartWorker: async () => {
      await stopProcess(BENCH_RUN_DIR, 'worker');
      startWorker();
    },
    stop: async () => {
      await stopStack(BENCH_RUN_DIR);
    },
  };
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

/** utime + stime from /proc/PID/stat (fields 14 and 15, counted after the command name). */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
