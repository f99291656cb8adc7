import { stackProfile, TEMPORAL_MEMBERSHIP_PORTS, TEMPORAL_SERVER_EXTRA_PORTS, type ProfileName } from '../../../scripts/stack/profiles';
import { temporalDynamicConfig, temporalServerConfig, temporalServerPorts } from '../../../scripts/stack/temporal-postgres';

// The PostgreSQL backend's server listens on the stack's Temporal port and the ports right after it,
// and on a block of membership ports; a port the config forgets to move would collide with another
// stack's, and a membership port over 32767 stops the server at start (a smallint column).

const PROFILES: ProfileName[] = ['dev', 'test', 'faults', 'bench', 'eval'];

/** Every `*Port` number anywhere in a configuration object. */
function portsIn(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(portsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (/port$/i.test(key) && typeof v === 'number' ? [v] : portsIn(v)));
}

const BASES = { grpcPort: 57233, membershipPort: 31933 };
const run = (from: number, length: number): number[] => Array.from({ length }, (_, i) => from + i);

test('when the server config is generated, then every port it listens on is its own, once: the gRPC port and those after it, and the membership block', () => {
  const config = temporalServerConfig({ ...BASES, postgresPort: 55432, dynamicConfigFile: '/run/dc.yaml' });
  const listened = portsIn(config.services).sort((a, b) => a - b);

  expect(listened).toEqual([...run(31933, TEMPORAL_MEMBERSHIP_PORTS), ...run(57233, TEMPORAL_SERVER_EXTRA_PORTS + 1)]);
  expect(temporalServerPorts(BASES).all.sort((a, b) => a - b)).toEqual(listened);
  // pprof off (port 0), no metrics listener, no archival: nothing else opens a port or a folder.
  expect(portsIn(config.global)).toEqual([0]);
  expect(config).not.toHaveProperty('archival');
  expect(config).not.toHaveProperty('global.metrics');
});

test('when the server config is generated, then both stores are on the given PostgreSQL and the cluster names the given frontend', () => {
  const config = temporalServerConfig({ grpcPort: 57333, membershipPort: 31933, postgresPort: 55532, dynamicConfigFile: '/run/dc.yaml' }) as {
    persistence: { datastores: Record<string, { sql: { connectAddr: string; databaseName: string } }> };
    clusterMetadata: { clusterInformation: { active: { rpcAddress: string } } };
  };

  expect(Object.values(config.persistence.datastores).map((d) => [d.sql.databaseName, d.sql.connectAddr])).toEqual([
    ['temporal', '127.0.0.1:55532'],
    ['temporal_visibility', '127.0.0.1:55532'],
  ]);
  expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:57333');
});

test('when the dynamic config is generated, then Nexus callbacks go to this server\'s HTTP port, not the hard-coded 7243', () => {
  const [entry] = temporalDynamicConfig(BASES)['component.nexusoperations.callback.endpoint.template'] as { value: string }[];

  expect(entry?.value).toBe(`http://127.0.0.1:${temporalServerPorts(BASES).frontend.httpPort}/namespaces/{{.NamespaceName}}/nexus/callback`);
});

test('when a membership port would pass 32767, then the config is refused before the server fails on it', () => {
  expect(() => temporalServerPorts({ grpcPort: 57233, membershipPort: 32765 })).toThrow(/under 32768/);
  expect(() => temporalServerPorts({ grpcPort: 57233, membershipPort: 32764 })).not.toThrow();
});

test('when any profile runs the PostgreSQL backend, then no port of any profile falls on its server\'s ports', () => {
  const profiles = PROFILES.map((name) => ({ name, ...stackProfile(name, {}) }));
  const taken = profiles.flatMap(({ name, ports, apiPort }) => [...Object.entries(ports), ['api', apiPort] as const].map(([port, n]) => ({ name, port, n })));

  for (const { name, ports } of profiles) {
    const server = temporalServerPorts({ grpcPort: ports.temporal, membershipPort: ports.temporalMembership }).all;
    const own = (other: string, port: string) => other === name && (port === 'temporal' || port === 'temporalMembership');
    const clashes = taken.filter(({ n, name: other, port }) => server.includes(n) && !own(other, port));
    expect(clashes).toEqual([]);
  }
});
