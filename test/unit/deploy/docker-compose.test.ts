import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

// No Docker engine runs the tests: this reads docker-compose.yml as Compose would (anchors and
// merge keys resolved) and checks the shape the README promises.

interface Service {
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
