// Temporal on PostgreSQL in a run folder: the production shape (docker-compose.yml runs the same
// server on PostgreSQL) for the benchmarks' `--temporal postgres`, where the other stacks run the
// dev server on SQLite. Debian's PostgreSQL 15 runs as the `postgres` user (initdb refuses root) on
// a loopback port with its socket in the run folder; the server is built from Temporal's Go module
// (scripts/stack/install.ts) and configured from its config/development-postgres12.yaml.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { temporalCliBinary, temporalServerBinary, temporalSqlToolBinary, TEMPORAL_SERVER_VERSION } from './install';
import { runCaptured, runLogged, serviceLogPath, sleep } from './processes';
import { TEMPORAL_MEMBERSHIP_PORTS, TEMPORAL_SERVER_EXTRA_PORTS } from './profiles';

const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root; Debian's package creates this user. */
const POSTGRES_USER = 'postgres';
const NAMESPACE = 'default';
const SEARCH_ATTRIBUTES_TIMEOUT_MS = 60_000;

/** Where the PostgreSQL backend keeps its files in a run folder; all of it is the store. */
export const postgresBackendDir = (runDir: string): string => path.join(runDir, 'temporal-postgres');
const dataDir = (runDir: string): string => path.join(postgresBackendDir(runDir), 'data');
const socketDir = (runDir: string): string => path.join(postgresBackendDir(runDir), 'socket');

/** The largest port the server's PostgreSQL schema can record for a service's membership (a smallint column). */
const MAX_MEMBERSHIP_PORT = 32767;

export interface TemporalServerPortBases {
  /** The frontend's gRPC port; the HTTP API and the other services' gRPC ports follow it. */
  grpcPort: number;
  /** The frontend's membership port; the other services' follow it. */
  membershipPort: number;
}

/** Every port the server listens on, per service, and all of them. */
export function temporalServerPorts({ grpcPort, membershipPort }: TemporalServerPortBases) {
  if (membershipPort + TEMPORAL_MEMBERSHIP_PORTS - 1 > MAX_MEMBERSHIP_PORT) {
    throw new Error(`Temporal's membership ports must stay under 32768 (its PostgreSQL schema stores them as smallint); got ${membershipPort}`);
  }
  const ports = {
    frontend: { grpcPort, httpPort: grpcPort + 1, membershipPort },
    history: { grpcPort: grpcPort + 2, membershipPort: membershipPort + 1 },
    matching: { grpcPort: grpcPort + 3, membershipPort: membershipPort + 2 },
    worker: { grpcPort: grpcPort + 4, membershipPort: membershipPort + 3 },
  };
  const all = Object.values(ports).flatMap((service) => Object.values(service) as number[]);
  if (all.length !== 1 + TEMPORAL_SERVER_EXTRA_PORTS + TEMPORAL_MEMBERSHIP_PORTS) throw new Error('temporalServerPorts and profiles.ts disagree');
  return { ...ports, all };
}

/**
 * The server's static configuration: config/development-postgres12.yaml of the Go module with every
 * port moved to the stack's, the database on the run folder's PostgreSQL, no pprof or metrics
 * listeners (more ports, nothing reads them), and no archival.
 */
export function temporalServerConfig(opts: TemporalServerPortBases & { postgresPort: number; dynamicConfigFile: string }): Record<string, unknown> {
  const ports = temporalServerPorts(opts);
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${opts.postgresPort}`,
      connectProtocol: 'tcp',
      // initdb --auth=trust on a loopback port of a throwaway cluster.
      user: POSTGRES_USER,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (service: { grpcPort: number; membershipPort: number; httpPort?: number }) => ({ rpc: { ...service, bindOnLocalHost: true } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': datastore('temporal', 20), 'postgres-visibility': datastore('temporal_visibility', 2) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: 0 } },
    services: { frontend: rpc(ports.frontend), history: rpc(ports.history), matching: rpc(ports.matching), worker: rpc(ports.worker) },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${opts.grpcPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: opts.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * The module's config/dynamicconfig/development-sql.yaml without its commented-out entries and
 * worker-versioning switches, with the Nexus callback URL on the stack's HTTP port (the file says
 * localhost:7243).
 */
export function temporalDynamicConfig(bases: TemporalServerPortBases): Record<string, unknown> {
  const { httpPort } = temporalServerPorts(bases).frontend;
  return {
    'limit.maxIDLength': [{ value: 255, constraints: {} }],
    'component.nexusoperations.callback.endpoint.template': [{ value: `http://127.0.0.1:${httpPort}/namespaces/{{.NamespaceName}}/nexus/callback` }],
    'callback.allowedAddresses': [{ value: [{ Pattern: '*', AllowInsecure: true }] }],
    'history.hostLevelCacheMaxSize': [{ value: 8192 }],
  };
}

/** A command run as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return ['runuser', ['-u', POSTGRES_USER, '--', command, ...args]];
}

/** Creates the database cluster in the run folder unless it is there; returns the PostgreSQL server's command line. */
export async function preparePostgres(runDir: string, port: number): Promise<[string, string[]]> {
  const data = dataDir(runDir);
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    for (const dir of [postgresBackendDir(runDir), data, socketDir(runDir)]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    await runLogged('chown', ['-R', `${POSTGRES_USER}:`, postgresBackendDir(runDir)], { logPath: serviceLogPath(runDir, 'postgres-init'), what: 'chown of the PostgreSQL folder' });
    await runLogged(...asPostgres(path.join(POSTGRES_BIN, 'initdb'), ['-D', data, '-U', POSTGRES_USER, '--auth=trust']), {
      logPath: serviceLogPath(runDir, 'postgres-init'),
      what: 'initdb',
    });
  }
  // The server itself, not pg_ctl: it stays the child the run folder's pid file names.
  return asPostgres(path.join(POSTGRES_BIN, 'postgres'), ['-D', data, '-p', String(port), '-k', socketDir(runDir), '-c', 'listen_addresses=127.0.0.1']);
}

export async function postgresReady(port: number): Promise<boolean> {
  const out = await runCaptured(path.join(POSTGRES_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER]);
  return out.includes('accepting connections');
}

/** Creates Temporal's two databases and brings their schemas to this server version's, once per store. */
export async function setupTemporalSchemas(runDir: string, postgresPort: number): Promise<void> {
  const done = path.join(postgresBackendDir(runDir), `schema-${TEMPORAL_SERVER_VERSION}`);
  if (fs.existsSync(done)) return;
  const logPath = serviceLogPath(runDir, 'temporal-schema');
  const sql = (database: string, args: string[]) =>
    runLogged(temporalSqlToolBinary(), ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(postgresPort), '-u', POSTGRES_USER, '--db', database, ...args], {
      logPath,
      what: `temporal sql tool ${args[0]} on ${database}`,
    });
  for (const [database, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    await sql(database, ['create-database']);
    await sql(database, ['setup-schema', '-v', '0.0']);
    await sql(database, ['update-schema', '--schema-name', schema]);
  }
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
}

/** Writes the server's configuration into the run folder; returns the server's command line and every port it listens on. */
export function prepareTemporalServer(
  runDir: string,
  ports: { temporal: number; temporalMembership: number; postgres: number },
): { command: string; args: string[]; ports: number[] } {
  const dir = postgresBackendDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const bases = { grpcPort: ports.temporal, membershipPort: ports.temporalMembership };
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(dynamicConfigFile, stringify(temporalDynamicConfig(bases)));
  fs.writeFileSync(configFile, stringify(temporalServerConfig({ ...bases, postgresPort: ports.postgres, dynamicConfigFile })));
  return {
    command: temporalServerBinary(),
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    ports: temporalServerPorts(bases).all,
  };
}

/**
 * What the dev server does by itself: the `default` namespace and the search attributes. Returns
 * once the frontend answers a visibility query over every attribute, so the first workflow can
 * set them (the server learns a new namespace and its attributes on a cache refresh, 10 s apart).
 * On PostgreSQL a custom attribute takes one of a fixed set of columns per namespace and type.
 */
export async function ensureNamespaceAndSearchAttributes(runDir: string, address: string, searchAttributes: Record<string, string>): Promise<void> {
  const logPath = serviceLogPath(runDir, 'temporal-namespace');
  const cli = (args: string[]) => runCaptured(temporalCliBinary(), [...args, '--address', address]);
  const described = await cli(['operator', 'namespace', 'describe', '--namespace', NAMESPACE]);
  if (!/NamespaceInfo/i.test(described)) {
    await runLogged(temporalCliBinary(), ['operator', 'namespace', 'create', '--namespace', NAMESPACE, '--retention', '72h', '--address', address], {
      logPath,
      what: `creating the ${NAMESPACE} namespace`,
    });
  }
  const deadline = Date.now() + SEARCH_ATTRIBUTES_TIMEOUT_MS;
  // The new namespace may not be known to the frontend yet: retry until the attributes are in.
  for (;;) {
    const listed = await cli(['operator', 'search-attribute', 'list', '--namespace', NAMESPACE, '--output', 'json']);
    const missing = Object.entries(searchAttributes).filter(([name]) => !listed.includes(`"${name}"`));
    if (missing.length === 0) break;
    await cli(['operator', 'search-attribute', 'create', '--namespace', NAMESPACE, ...missing.flatMap(([name, type]) => ['--name', name, '--type', type])]);
    if (Date.now() > deadline) throw new Error(`search attributes ${missing.map(([name]) => name).join(', ')} not registered within ${SEARCH_ATTRIBUTES_TIMEOUT_MS / 1000} s; see ${logPath}`);
    await sleep(1000);
  }
  const query = Object.entries(searchAttributes)
    .map(([name, type]) => (type === 'Bool' ? `${name} = false` : `${name} = 'bench'`))
    .join(' AND ');
  for (;;) {
    const out = await cli(['workflow', 'count', '--namespace', NAMESPACE, '--query', query]);
    if (/Total: \d+/.test(out)) return;
    if (Date.now() > deadline) {
      fs.appendFileSync(logPath, `${out}\n`);
      throw new Error(`the frontend does not know the search attributes yet after ${SEARCH_ATTRIBUTES_TIMEOUT_MS / 1000} s; see ${logPath}`);
    }
    await sleep(1000);
  }
}

