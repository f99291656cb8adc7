// The stacks this repository runs, each on ports and in a run folder of its own so that none meets
// another: `./tandem start` (dev), the jest global setup (test), the fault tests (faults), the
// benchmarks (bench) and `npm run eval:conversations` (eval). The one place their ports are chosen.
import path from 'node:path';
import { REPO_ROOT } from './paths';

/** `demoStore` is the demo business's own order system (services/demo-store), which actions call. */
export const SERVICES = ['temporal', 'mongo', 'ollama', 'demoStore'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackPorts {
  /**
   * Temporal's frontend (gRPC). The server built from Temporal's Go module (the PostgreSQL backend)
   * also listens on the TEMPORAL_SERVER_EXTRA_PORTS ports after it, for its HTTP API and its other
   * services' gRPC (scripts/stack/temporal-postgres.ts); no profile puts anything there.
   */
  temporal: number;
  temporalUi: number;
  /**
   * The PostgreSQL backend's server: the first of its services' TEMPORAL_MEMBERSHIP_PORTS membership
   * ports. Under 32768: its PostgreSQL schema keeps them in a smallint column.
   */
  temporalMembership: number;
  /** PostgreSQL under the Temporal server of the PostgreSQL backend (the benchmarks' `--temporal postgres`). */
  postgres: number;
  mongo: number;
  ollama: number;
  demoStore: number;
}

/** How many ports after `temporal` the PostgreSQL backend's Temporal server takes. */
export const TEMPORAL_SERVER_EXTRA_PORTS = 4;
/** How many ports from `temporalMembership` on it takes, one per service. */
export const TEMPORAL_MEMBERSHIP_PORTS = 4;

export type ProfileName = 'dev' | 'test' | 'faults' | 'bench' | 'eval';

export interface StackProfile {
  /** Pid files, logs and the stores of the services it starts. */
  runDir: string;
  ports: StackPorts;
  /** Where the API listens when the stack runs it as a process (the tests run it in-process on a free port). */
  apiPort: number;
}

type PortName = keyof StackPorts | 'api';

interface ProfileDefinition {
  ports: Record<PortName, number>;
  /** Environment variables that move a port. */
  variables?: Partial<Record<PortName, string>>;
}

const DEFINITIONS: Record<ProfileName, ProfileDefinition> = {
  dev: {
    ports: { temporal: 7233, temporalUi: 8233, temporalMembership: 6933, postgres: 5432, mongo: 27017, ollama: 11434, demoStore: 4100, api: 3000 },
    variables: {
      temporal: 'TEMPORAL_PORT',
      temporalUi: 'TEMPORAL_UI_PORT',
      mongo: 'MONGO_PORT',
      ollama: 'OLLAMA_PORT',
      demoStore: 'DEMO_STORE_PORT',
      api: 'PORT',
    },
  },
  test: {
    ports: { temporal: 17233, temporalUi: 18233, temporalMembership: 16933, postgres: 15432, mongo: 37017, ollama: 21434, demoStore: 14100, api: 0 },
    variables: {
      temporal: 'TEST_TEMPORAL_PORT',
      temporalUi: 'TEST_TEMPORAL_UI_PORT',
      mongo: 'TEST_MONGO_PORT',
      ollama: 'TEST_OLLAMA_PORT',
      demoStore: 'TEST_DEMO_STORE_PORT',
    },
  },
  // The fault tests run the embedded model: their Ollama port only completes the set.
  faults: { ports: { temporal: 27233, temporalUi: 28233, temporalMembership: 26933, postgres: 25432, mongo: 47017, ollama: 27434, demoStore: 27100, api: 0 } },
  bench: {
    ports: { temporal: 57233, temporalUi: 58233, temporalMembership: 31933, postgres: 55432, mongo: 57017, ollama: 51434, demoStore: 54100, api: 53000 },
    // Moved when two checkouts benchmark on one machine at once.
    variables: {
      temporal: 'BENCH_TEMPORAL_PORT',
      temporalUi: 'BENCH_TEMPORAL_UI_PORT',
      temporalMembership: 'BENCH_TEMPORAL_MEMBERSHIP_PORT',
      postgres: 'BENCH_POSTGRES_PORT',
      mongo: 'BENCH_MONGO_PORT',
      ollama: 'BENCH_OLLAMA_PORT',
      demoStore: 'BENCH_DEMO_STORE_PORT',
      api: 'BENCH_API_PORT',
    },
  },
  eval: { ports: { temporal: 47233, temporalUi: 48233, temporalMembership: 30933, postgres: 45432, mongo: 47117, ollama: 41434, demoStore: 44100, api: 43000 } },
};

/** Where a stack keeps its pid files, logs and stores. */
export const profileRunDir = (name: ProfileName): string => path.join(REPO_ROOT, '.run', name);

/** The run folder and ports of a stack, with the ports its variables in `env` move. */
export function stackProfile(name: ProfileName, env: NodeJS.ProcessEnv = process.env): StackProfile {
  const { ports, variables = {} } = DEFINITIONS[name];
  const port = (key: PortName): number => {
    const variable = variables[key];
    return variable ? portFromEnv(env, variable, ports[key]) : ports[key];
  };
  return {
    runDir: profileRunDir(name),
    ports: {
      temporal: port('temporal'),
      temporalUi: port('temporalUi'),
      temporalMembership: port('temporalMembership'),
      postgres: port('postgres'),
      mongo: port('mongo'),
      ollama: port('ollama'),
      demoStore: port('demoStore'),
    },
    apiPort: port('api'),
  };
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name} must be a TCP port, got "${value}"`);
  return port;
}
