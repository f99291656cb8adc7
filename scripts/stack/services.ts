// Starts, reuses and stops the services of a stack on loopback: the Temporal dev server (with the
// search attributes registered) or Temporal on PostgreSQL (the benchmarks' choice), FerretDB and
// Ollama (with the LLM imported). What a run starts is
// recorded in its run folder (stack.json, pid files, logs) so it can be found and stopped later.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { ensureEncoder, ensureInstalled, ensureTemporalServer, ferretdbBinary, llmGguf, ollamaBinary, ollamaModelsDir, temporalCliBinary } from './install';
import {
  ServiceStartError,
  httpOk,
  isAlive,
  listProcesses,
  portAnswers,
  progress,
  readIfExists,
  readPid,
  removePid,
  runCaptured,
  runLogged,
  serviceLogPath,
  signalGroup,
  sleep,
  startProcess,
  stopProcess,
  waitUntil,
  withLock,
} from './processes';
import { stackProfile, type ServiceName, type StackPorts } from './profiles';
import { SUPERVISOR } from './supervisor';
import {
  ensureNamespaceAndSearchAttributes,
  postgresBackendDir,
  postgresReady,
  preparePostgres,
  prepareTemporalServer,
  setupTemporalSchemas,
} from './temporal-postgres';

/**
 * `dev`: the Temporal CLI's dev server on SQLite, with its UI. `postgres`: the server built from
 * Temporal's Go module on PostgreSQL, no UI (scripts/stack/temporal-postgres.ts).
 */
export const TEMPORAL_BACKENDS = ['dev', 'postgres'] as const;
export type TemporalBackend = (typeof TEMPORAL_BACKENDS)[number];

export interface StackOptions {
  services: ServiceName[];
  runDir: string;
  ports?: Partial<StackPorts>;
  /** Database name in the returned `mongoUrl` for a started FerretDB. */
  mongoDatabase?: string;
  /** Which Temporal server a started `temporal` is; `dev` unless given. */
  temporalBackend?: TemporalBackend;
}

export interface StackInfo {
  runDir: string;
  temporalAddress: string;
  /** Undefined when Temporal is external (`TEMPORAL_ADDRESS`) or has no UI (the PostgreSQL backend). */
  temporalUiUrl?: string;
  mongoUrl: string;
  ollamaHost?: string;
  ollamaModel?: string;
  /** The business's API that actions call (the demo store, or TANDEM_ACTIONS_URL), and the secret its requests are signed with. */
  actionsUrl?: string;
  actionsSecret?: string;
  /** Services this run folder runs itself (not configured externally). */
  managed: ServiceName[];
}

export const DEFAULT_OLLAMA_MODEL = 'tandem-qwen2.5-0.5b';

/** Registered when the dev server starts, so workflows can set them from their first run. */
export const SEARCH_ATTRIBUTES: Record<string, string> = {
  CustomerId: 'Keyword',
  ConversationStatus: 'Keyword',
  Category: 'Keyword',
  EscalationReason: 'KeywordList',
  Priority: 'Keyword',
  SkillQueue: 'Keyword',
  AssignedAgent: 'Keyword',
  SlaBreached: 'Bool',
  EngagementSignal: 'KeywordList',
};

const START_TIMEOUT_MS = 90_000;

interface StackState {
  ports: StackPorts;
  temporalArgs?: string[];
}

/**
 * Starts the requested services in `runDir` (or reuses those already running from it) and waits
 * until each answers. `TEMPORAL_ADDRESS`, `MONGO_URL` and `OLLAMA_HOST` select external servers.
 */
export async function startStack(options: StackOptions): Promise<StackInfo> {
  const runDir = path.resolve(options.runDir);
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  // Ports not given are the dev stack's defaults (its variables aside).
  const ports: StackPorts = { ...stackProfile('dev', {}).ports, ...options.ports };
  const wanted = new Set(options.services);
  const env = process.env;

  // Every stack runs a worker, and every worker runs the embedded sentence encoder.
  await ensureEncoder();
  return withLock(runDir, 'stack', async () => {
    const state: StackState = { ...readState(runDir), ports };
    const managed: ServiceName[] = [];
    const info: StackInfo = { runDir, temporalAddress: '', mongoUrl: '', managed };

    if (env.TEMPORAL_ADDRESS) {
      info.temporalAddress = env.TEMPORAL_ADDRESS;
    } else if (wanted.has('temporal') && options.temporalBackend === 'postgres') {
      // The CLI registers the namespace and the search attributes.
      await ensureInstalled('temporal');
      await ensureTemporalServer();
      state.temporalArgs = undefined;
      const pg = await preparePostgres(runDir, ports.postgres);
      await startService(runDir, 'postgres', pg[0], pg[1], [ports.postgres], () => postgresReady(ports.postgres));
      await setupTemporalSchemas(runDir, ports.postgres);
      const server = prepareTemporalServer(runDir, ports);
      await startService(runDir, 'temporal', server.command, server.args, server.ports, () => temporalHealthy(ports.temporal));
      info.temporalAddress = `127.0.0.1:${ports.temporal}`;
      await ensureNamespaceAndSearchAttributes(runDir, info.temporalAddress, SEARCH_ATTRIBUTES);
      managed.push('temporal');
    } else if (wanted.has('temporal')) {
      await ensureInstalled('temporal');
      state.temporalArgs = temporalArgs(runDir, ports);
      await startService(runDir, 'temporal', temporalCliBinary(), state.temporalArgs, [ports.temporal, ports.temporalUi], () =>
        temporalReady(ports),
      );
      info.temporalAddress = `127.0.0.1:${ports.temporal}`;
      info.temporalUiUrl = `http://127.0.0.1:${ports.temporalUi}`;
      managed.push('temporal');
    }

    if (env.MONGO_URL) {
      info.mongoUrl = env.MONGO_URL;
    } else if (wanted.has('mongo')) {
      await ensureInstalled('mongo');
      const url = `mongodb://127.0.0.1:${ports.mongo}/${options.mongoDatabase ?? 'tandem'}`;
      const args = ['-listen', `127.0.0.1:${ports.mongo}`, '-data', path.join(runDir, 'ferretdb')];
      await startService(runDir, 'mongo', ferretdbBinary(), args, [ports.mongo], () => mongoReady(url));
      info.mongoUrl = url;
      managed.push('mongo');
    }

    if (env.OLLAMA_HOST) {
      info.ollamaHost = env.OLLAMA_HOST;
      info.ollamaModel = env.OLLAMA_MODEL ?? DEFAULT_OLLAMA_MODEL;
    } else if (wanted.has('ollama')) {
      await ensureInstalled('ollama');
      const host = `127.0.0.1:${ports.ollama}`;
      const ollamaEnv = { ...process.env, OLLAMA_HOST: host, OLLAMA_MODELS: ollamaModelsDir() };
      await startService(runDir, 'ollama', ollamaBinary(), ['serve'], [ports.ollama], () => ollamaReady(host), ollamaEnv);
      info.ollamaHost = `http://${host}`;
      info.ollamaModel = env.OLLAMA_MODEL ?? DEFAULT_OLLAMA_MODEL;
      if (info.ollamaModel === DEFAULT_OLLAMA_MODEL) await ensureOllamaModel(runDir, host);
      managed.push('ollama');
    }

    if (env.TANDEM_ACTIONS_URL) {
      info.actionsUrl = env.TANDEM_ACTIONS_URL;
      info.actionsSecret = env.TANDEM_ACTIONS_SECRET;
    } else if (wanted.has('demoStore')) {
      const secret = env.TANDEM_ACTIONS_SECRET || actionsSecret(runDir);
      const url = `http://127.0.0.1:${ports.demoStore}`;
      const storeEnv = { ...process.env, DEMO_STORE_PORT: String(ports.demoStore), TANDEM_ACTIONS_SECRET: secret };
      const args = ['--import', 'tsx', 'services/demo-store/main.ts'];
      await startService(runDir, 'demoStore', process.execPath, args, [ports.demoStore], () => httpOk(`${url}/health`), storeEnv);
      info.actionsUrl = url;
      info.actionsSecret = secret;
      managed.push('demoStore');
    }

    writeState(runDir, state);
    return info;
  });
}

/** Stops everything `runDir` started (worker, API, services): SIGTERM, then SIGKILL after a grace period. */
export async function stopStack(runDir: string): Promise<string[]> {
  const dir = path.resolve(runDir);
  const running = listProcesses(dir);
  const serviceOrder: string[] = ['demoStore', 'ollama', 'mongo', 'temporal'];
  const databases = ['postgres'];
  // The supervisor first so it restarts nothing, then apps so they never see their services
  // vanish under them, then services, then the database under Temporal (PostgreSQL's shutdown
  // on SIGTERM waits for its clients to leave).
  const supervisor = running.filter((p) => p.name === SUPERVISOR);
  const apps = running.filter((p) => p.name !== SUPERVISOR && !serviceOrder.includes(p.name) && !databases.includes(p.name));
  const services = serviceOrder.flatMap((name) => running.filter((p) => p.name === name));
  const stores = running.filter((p) => databases.includes(p.name));
  const stopped: string[] = [];
  for (const group of [supervisor, apps, services, stores]) {
    await Promise.all(group.map((p) => stopProcess(dir, p.name)));
    stopped.push(...group.filter((p) => p.alive).map((p) => p.name));
  }
  return stopped;
}

/** Stops the stack in `runDir` and deletes what its Temporal server (either backend) and FerretDB stored. */
export async function stopStackAndClearStores(runDir: string): Promise<void> {
  const dir = path.resolve(runDir);
  await stopStack(dir);
  const postgres = path.basename(postgresBackendDir(dir));
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (entry.startsWith('temporal.sqlite') || entry === 'ferretdb' || entry === postgres) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** Kills the Temporal dev server with SIGKILL and starts it again on the same SQLite file and ports. */
export async function restartTemporal(runDir: string): Promise<void> {
  const dir = path.resolve(runDir);
  const state = readState(dir);
  if (!state?.temporalArgs) throw new Error(`no Temporal dev server was started from ${dir}`);
  const pid = readPid(dir, 'temporal');
  if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  await waitUntil(async () => !(await portAnswers(state.ports.temporal)), 15_000);
  removePid(dir, 'temporal');
  const ports = state.ports;
  await startService(dir, 'temporal', temporalCliBinary(), state.temporalArgs, [ports.temporal, ports.temporalUi], () =>
    temporalReady(ports),
  );
}

export function readPorts(runDir: string): StackPorts | undefined {
  return readState(path.resolve(runDir))?.ports;
}

function temporalArgs(runDir: string, ports: StackPorts): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(ports.temporal),
    '--ui-port',
    String(ports.temporalUi),
    '--db-filename',
    path.join(runDir, 'temporal.sqlite'),
    // Write-ahead logging: readers stop blocking the writer, and a commit is an append, not a
    // rewrite. synchronous=NORMAL keeps every commit across a crash of the server process.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--namespace',
    'default',
    '--log-level',
    'warn',
    '--ui-disable-news-fetch',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([key, type]) => ['--search-attribute', `${key}=${type}`]),
  ];
}

async function startService(
  runDir: string,
  name: ServiceName | 'postgres',
  command: string,
  args: string[],
  ports: number[],
  ready: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const logPath = serviceLogPath(runDir, name);
  const previous = readPid(runDir, name);
  if (previous !== undefined && isAlive(previous)) {
    if (await ready()) return;
    // Ours but not answering (still starting, or wedged): replace it.
    await stopProcess(runDir, name);
  }
  removePid(runDir, name);
  for (const port of ports) {
    if (await portAnswers(port)) {
      throw new ServiceStartError(
        name,
        `port ${port} on 127.0.0.1 is already in use by another process. Choose other ports ` +
          `(see the README's configuration) or point the stack at that server.`,
      );
    }
  }
  const pid = startProcess(runDir, name, command, args, env);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      removePid(runDir, name);
      throw new ServiceStartError(name, 'the process exited during start-up', logPath);
    }
    if (await ready()) return;
    await sleep(300);
  }
  await stopProcess(runDir, name);
  throw new ServiceStartError(name, `not ready after ${START_TIMEOUT_MS / 1000} s`, logPath);
}

async function temporalReady(ports: StackPorts): Promise<boolean> {
  return (await temporalHealthy(ports.temporal)) && (await httpOk(`http://127.0.0.1:${ports.temporalUi}/`));
}

async function temporalHealthy(port: number): Promise<boolean> {
  if (!(await portAnswers(port))) return false;
  const health = await runCaptured(temporalCliBinary(), ['operator', 'cluster', 'health', '--address', `127.0.0.1:${port}`]);
  return health.includes('SERVING');
}

async function mongoReady(url: string): Promise<boolean> {
  const port = Number(new URL(url).port);
  if (!(await portAnswers(port))) return false;
  const connection = mongoose.createConnection(url, { serverSelectionTimeoutMS: 2_000 });
  try {
    await connection.asPromise();
    const reply = await connection.db?.admin().ping();
    return reply?.ok === 1;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function ollamaReady(host: string): Promise<boolean> {
  return httpOk(`http://${host}/api/version`);
}

/** Imports the LLM from its installed GGUF file unless the server already has this very import. */
async function ensureOllamaModel(runDir: string, host: string): Promise<void> {
  // Qwen2.5's ChatML: system, user and assistant turns, each closed by <|im_end|>; stopping on the
  // turn markers keeps a reply to one turn. One thread: with two, llama.cpp's threads spin-wait on
  // each other whenever anything else runs on the two cores; measured on a shared 2-core machine,
  // one thread generated 9-16 tokens/s and two 1-2 tokens/s (prompt: 40-60 against 7-18 tokens/s).
  const modelfile = [
    `FROM ${llmGguf()}`,
    'TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}',
    '{{ .Content }}<|im_end|>',
    '{{ end }}<|im_start|>assistant',
    '"""',
    'PARAMETER stop "<|im_start|>"',
    'PARAMETER stop "<|im_end|>"',
    'PARAMETER temperature 0',
    'PARAMETER num_thread 1',
    '',
  ].join('\n');
  const imported = path.join(ollamaModelsDir(), `${DEFAULT_OLLAMA_MODEL}.Modelfile`);
  const tags = (await (await fetch(`http://${host}/api/tags`)).json()) as { models?: { name: string }[] };
  const present = tags.models?.some((m) => m.name === `${DEFAULT_OLLAMA_MODEL}:latest`) ?? false;
  if (present && readIfExists(imported) === modelfile) return;
  const modelfilePath = path.join(runDir, 'Modelfile');
  fs.writeFileSync(modelfilePath, modelfile);
  progress(`importing ${DEFAULT_OLLAMA_MODEL} into Ollama`);
  await runLogged(ollamaBinary(), ['create', DEFAULT_OLLAMA_MODEL, '-f', modelfilePath], {
    logPath: serviceLogPath(runDir, 'ollama-create'),
    what: `ollama create ${DEFAULT_OLLAMA_MODEL}`,
    env: { ...process.env, OLLAMA_HOST: host },
  });
  fs.writeFileSync(imported, modelfile);
}

/** The signing secret of the demo store this run folder runs: made once, readable by the owner only, never logged. */
function actionsSecret(runDir: string): string {
  const file = path.join(runDir, 'actions-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

function readState(runDir: string): StackState | undefined {
  const file = path.join(runDir, 'stack.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StackState) : undefined;
}

function writeState(runDir: string, state: StackState): void {
  fs.writeFileSync(path.join(runDir, 'stack.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * `base` pointed at the stack's services, for its worker and API processes. Without Ollama in the
 * stack they answer with the embedded model, whatever `base` says.
 */
export function stackEnv(stack: StackInfo, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, TEMPORAL_ADDRESS: stack.temporalAddress, MONGO_URL: stack.mongoUrl };
  if (stack.ollamaHost) {
    env.OLLAMA_HOST = stack.ollamaHost;
    env.OLLAMA_MODEL = stack.ollamaModel;
  } else {
    delete env.OLLAMA_HOST;
    delete env.OLLAMA_MODEL;
  }
  if (stack.actionsUrl && stack.actionsSecret) {
    env.TANDEM_ACTIONS_URL = stack.actionsUrl;
    env.TANDEM_ACTIONS_SECRET = stack.actionsSecret;
  }
  return env;
}
