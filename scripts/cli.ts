// `./tandem start | stop | status | test`: the two commands of the README's quick start and the
// two that go with them. Everything is started through the service manager in scripts/stack/.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureEncoder } from './stack/install';
import { REPO_ROOT } from './stack/paths';
import { bundleWorkflows, httpOk, listProcesses, serviceLogPath, sleep, startTypeScriptProcess, stopProcess, tail } from './stack/processes';
import { SERVICES, profileRunDir, stackProfile, type ServiceName } from './stack/profiles';
import { readPorts, stackEnv, startStack, stopStack } from './stack/services';
import { SUPERVISOR, readRestarts, writeSupervisorPlan } from './stack/supervisor';

const DEV_RUN_DIR = profileRunDir('dev');
const TEST_RUN_DIR = profileRunDir('test');
const API_READY_TIMEOUT_MS = 120_000;
/** The app processes the supervisor runs for the dev stack. */
const APPS = ['api', 'worker', 'batch-worker'];

const USAGE = `usage: ./tandem <command>
  start [--ollama]   start Temporal, FerretDB, the demo store (and Ollama), the worker and the API in the background
  stop               stop everything \`start\` started
  status             show what runs where
  test [jest args]   type-check, lint and run every test (services are started for the tests)`;

const CREDENTIAL_VARIABLES = ['TANDEM_API_KEYS', 'TANDEM_OPERATOR_KEYS', 'TANDEM_TOKEN_SECRET', 'TANDEM_AGENTS'] as const;

/**
 * Secrets have no defaults in the product, so a local stack gets its own, made once and kept in
 * .run/dev/credentials.json (readable by the owner only); variables set in the environment win.
 */
function devCredentials(): { values: Record<string, string>; file: string } {
  const file = path.join(DEV_RUN_DIR, 'credentials.json');
  if (!fs.existsSync(file)) {
    const secret = (prefix: string): string => `${prefix}-${randomBytes(24).toString('hex')}`;
    const supportConfig = JSON.parse(
      fs.readFileSync(path.resolve(REPO_ROOT, process.env.TANDEM_SUPPORT_CONFIG ?? 'config/support.default.json'), 'utf8'),
    ) as { queues: { id: string }[] };
    const agents = [
      { id: 'dev-agent', name: 'Dev Agent', token: secret('agent'), queues: supportConfig.queues.map((q) => q.id), capacity: 5, lead: true },
    ];
    const values: Record<string, string> = {
      TANDEM_API_KEYS: secret('api'),
      TANDEM_OPERATOR_KEYS: secret('operator'),
      TANDEM_TOKEN_SECRET: randomBytes(32).toString('hex'),
      TANDEM_AGENTS: JSON.stringify(agents),
    };
    fs.mkdirSync(DEV_RUN_DIR, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const values = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name] || stored[name] || '']));
  return { values, file };
}

async function start(args: string[]): Promise<number> {
  const entries = ['workers/main.ts', 'api/main.ts'].filter((file) => !fs.existsSync(path.join(REPO_ROOT, file)));
  if (entries.length > 0) {
    console.error(`Cannot start: ${entries.join(' and ')} missing from ${REPO_ROOT}.`);
    return 1;
  }
  const useOllama = args.includes('--ollama') || process.env.TANDEM_OLLAMA === '1';
  const services: ServiceName[] = useOllama ? ['temporal', 'mongo', 'ollama', 'demoStore'] : ['temporal', 'mongo', 'demoStore'];
  const { ports, apiPort } = stackProfile('dev');
  const stack = await startStack({ services, runDir: DEV_RUN_DIR, ports });

  const credentials = devCredentials();
  // The dev stack serves the widget's demo page (/demo); production turns it on only by choice.
  const env = stackEnv(stack, { TANDEM_DEMO_PAGE: '1', ...process.env, ...credentials.values, PORT: String(apiPort) });

  // Restarted on every start so code changes take effect; the supervisor first, so it restarts nothing.
  for (const name of [SUPERVISOR, ...APPS]) await stopProcess(DEV_RUN_DIR, name);
  // Bundled once here, not in each worker: bundling leaves webpack's memory in the process.
  const bundle = bundleWorkflows(DEV_RUN_DIR);
  // Training blocks its process for seconds: the heavy steps of batch work get a worker process of their own.
  writeSupervisorPlan(DEV_RUN_DIR, [
    { name: 'worker', entry: 'workers/main.ts', env: { TANDEM_WORKFLOW_BUNDLE: bundle, TANDEM_WORKER_QUEUES: 'conversations' } },
    { name: 'batch-worker', entry: 'workers/main.ts', env: { TANDEM_WORKFLOW_BUNDLE: bundle, TANDEM_WORKER_QUEUES: 'batch' } },
    { name: 'api', entry: 'api/main.ts', env: {} },
  ]);
  startTypeScriptProcess(DEV_RUN_DIR, SUPERVISOR, 'scripts/supervise.ts', env, [DEV_RUN_DIR]);

  const healthUrl = `http://127.0.0.1:${apiPort}/health`;
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  while (!(await httpOk(healthUrl))) {
    const crashing = Object.keys(readRestarts(DEV_RUN_DIR));
    if (crashing.length > 0 || Date.now() > deadline) {
      const why = crashing.length > 0 ? `${crashing.join(' and ')} exited (the supervisor keeps restarting it)` : `no 200 within ${API_READY_TIMEOUT_MS / 1000} s`;
      console.error(`The API did not become healthy at ${healthUrl}: ${why}.`);
      for (const name of [SUPERVISOR, ...APPS]) {
        const log = serviceLogPath(DEV_RUN_DIR, name);
        console.error(`--- last lines of ${log} ---\n${tail(log)}`);
      }
      console.error('Services stay up; `./tandem stop` stops everything.');
      return 1;
    }
    await sleep(500);
  }

  const logs = path.relative(process.cwd(), path.join(DEV_RUN_DIR, 'logs')) || '.';
  console.log(`Tandem is running.
  API          http://127.0.0.1:${apiPort}  (health: ${healthUrl})
  Temporal UI  ${stack.temporalUiUrl ?? `external server at ${stack.temporalAddress}`}
  Temporal     ${stack.temporalAddress}
  Database     ${stack.mongoUrl}
  Demo store   ${stack.actionsUrl ?? 'none'}  (the business's orders that actions call: order 1001 of cust-42)
  LLM          ${stack.ollamaHost ? `Ollama at ${stack.ollamaHost}, model ${stack.ollamaModel}` : 'embedded model (start with --ollama for Ollama)'}
  Widget demo  http://127.0.0.1:${apiPort}/demo
  Logs         ${logs}/
  Credentials  ${path.relative(process.cwd(), credentials.file)} (API, operator and agent keys of this local stack)
Stop it with: ./tandem stop`);
  return 0;
}

async function stop(): Promise<number> {
  const stopped = await stopStack(DEV_RUN_DIR);
  console.log(stopped.length > 0 ? `Stopped: ${stopped.join(', ')}.` : 'Nothing was running.');
  return 0;
}

function status(): number {
  for (const runDir of [DEV_RUN_DIR, TEST_RUN_DIR]) {
    const processes = listProcesses(runDir);
    if (processes.length === 0) continue;
    const ports = readPorts(runDir);
    console.log(`${path.relative(REPO_ROOT, runDir)}:`);
    for (const p of processes) {
      const service = SERVICES.find((name) => name === p.name);
      const where = ports && service ? ` 127.0.0.1:${ports[service]}` : '';
      const restarted = readRestarts(runDir)[p.name];
      const restarts = restarted ? `  restarted ${restarted.restarts}× (last ${restarted.lastAt}, ${restarted.lastExit})` : '';
      console.log(`  ${p.name.padEnd(13)} ${p.alive ? 'running' : 'dead   '} pid ${String(p.pid).padEnd(8)}${where}  log ${p.logPath}${restarts}`);
    }
  }
  if (listProcesses(DEV_RUN_DIR).length + listProcesses(TEST_RUN_DIR).length === 0) console.log('Nothing is running.');
  return 0;
}

async function test(jestArgs: string[]): Promise<number> {
  // Unit tests of the classifier and retrieval run the real sentence encoder too.
  await ensureEncoder();
  const bin = (name: string): string => path.join(REPO_ROOT, 'node_modules', '.bin', name);
  const resultsFile = path.join(TEST_RUN_DIR, 'jest-results.json');
  fs.mkdirSync(TEST_RUN_DIR, { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  const steps: [string, string, string[]][] = [
    ['type-check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    // The widget is browser code (DOM types) over the generated client: a project of its own.
    ['type-check the widget', bin('tsc'), ['--noEmit', '-p', 'web/widget/tsconfig.json']],
    ['lint', bin('eslint'), ['.']],
    ['jest', bin('jest'), ['--json', `--outputFile=${resultsFile}`, ...jestArgs]],
  ];
  for (const [label, command, args] of steps) {
    const started = Date.now();
    console.log(`\n▶ ${label}: ${path.basename(command)} ${args.join(' ')}`);
    const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.status !== 0) {
      console.error(`✗ ${label} failed after ${seconds} s`);
      printJestTotals(resultsFile);
      return result.status ?? 1;
    }
    console.log(`✓ ${label} passed in ${seconds} s`);
  }
  printJestTotals(resultsFile);
  return 0;
}

/** One plain closing line with the totals, the same whatever reporter jest used. */
function printJestTotals(resultsFile: string): void {
  if (!fs.existsSync(resultsFile)) return;
  const totals = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  console.log(`jest: ${totals.numPassedTests} passed, ${totals.numFailedTests} failed, ${totals.numPendingTests + totals.numTodoTests} skipped`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'stop':
      return stop();
    case 'status':
      return status();
    case 'test':
      return test(rest);
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
