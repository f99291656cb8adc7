import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as definitions from '../../../workflows/definitions';
import { PRODUCT_NODE_FLAGS } from '../../../scripts/stack/processes';

// No Docker engine runs the tests: this reads docker-compose.yml as Compose would (anchors and
// merge keys resolved) and checks the shape the README promises.

interface Service {
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period?: string };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const workers = Object.entries(services).filter(([, s]) => s.command?.includes('workers/main.ts'));

test('when the compose file is read, then both worker containers are found, one per queue', () => {
  expect(workers.map(([name, s]) => [name, s.environment?.TANDEM_WORKER_QUEUES])).toEqual([
    ['worker', 'conversations'],
    ['batch-worker', 'batch'],
  ]);
});

test('when a worker container runs, then its health check is the worker health script, given time to start', () => {
  for (const [, worker] of workers) {
    const check = worker.healthcheck;
    expect(check?.test).toEqual(['CMD', 'node', '--import', 'tsx', 'scripts/worker-health.ts']);
    expect(existsSync(check?.test[4] as string)).toBe(true);
    expect(check?.start_period).toBeDefined();
    expect(check?.retries).toBeGreaterThan(0);
  }
});

test('when a service waits on another being healthy, then that one exists and has a health check', () => {
  const waits = Object.entries(services).flatMap(([name, s]) => Object.entries(s.depends_on ?? {}).map(([on, { condition }]) => ({ name, on, condition })));

  for (const { on, condition } of waits) {
    expect(services[on]).toBeDefined();
    if (condition === 'service_healthy') expect(services[on]?.healthcheck).toBeDefined();
  }
  expect(waits).toContainEqual({ name: 'api', on: 'worker', condition: 'service_healthy' });
});

test('when the compose file registers search attributes, then it registers every one the workflows set, with its type', () => {
  // The dev server gets its list from scripts/stack/services.ts; a workflow that sets an attribute
  // the server does not know fails its task, over and over.
  const typeName: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', BOOL: 'Bool' };
  const defined = Object.values(definitions as Record<string, unknown>)
    .filter((v): v is { name: string; type: string } => typeof v === 'object' && v !== null && 'name' in v && 'type' in v && typeof v.type === 'string' && v.type in typeName)
    .map((key) => `${key.name}=${typeName[key.type]}`);
  const script = services['temporal-search-attributes']?.command?.join(' ') ?? '';
  const registered = /for pair in ([^;]*);/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];

  expect(defined.length).toBeGreaterThan(0);
  expect(registered.sort()).toEqual(defined.sort());
});

test('when a container runs the product image, then it runs its entry file with the node flags the local stacks use', () => {
  // The Dockerfile's entrypoint is node with the flags; each service's command names the file.
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...PRODUCT_NODE_FLAGS, '--import', 'tsx']);

  const productServices = Object.values(services).filter((s) => s.build === '.');
  expect(productServices.length).toBeGreaterThan(0);
  for (const service of productServices) {
    expect(service.command).toHaveLength(1);
    expect(existsSync(service.command?.[0] as string)).toBe(true);
  }
});
