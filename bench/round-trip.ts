// Message round trip through the HTTP API (send a message, get the AI's reply) at several
// concurrencies, against the floor: a no-op Temporal Update on the same server, same worker
// settings, same concurrency. Prints a table and one JSON line.
//   npm run bench:round-trip -- [--concurrency 1,10,50,200] [--seconds 20] [--warmup 3]
//     [--temporal dev|postgres] [--workers 1]
// --temporal postgres runs Temporal on PostgreSQL (built from its Go module the first time, about 7
// minutes) instead of the dev server on SQLite; --workers runs that many product worker processes.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { floorWorkflow, pingUpdate, stopUpdate } from './floor';
import { ANSWERABLE_QUESTIONS } from '../test/support/questions';
import { cpuPercent, flags, printTable, round, runFor, summarize, type LatencySummary } from './load';
import { TEMPORAL_BACKENDS, type TemporalBackend } from '../scripts/stack/services';
import { startBenchStack, workerNames, type BenchStack } from './stack';

const MESSAGES_PER_CONVERSATION = 20;

async function ourLoop(stack: BenchStack, until: number): Promise<number[]> {
  const latencies: number[] = [];
  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { conversationId: string; token: string; reply?: { role: string } };
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  while (Date.now() < until) {
    const started = await post('/v1/conversations', stack.apiKey, {
      customer: { id: `bench-${randomUUID().slice(0, 8)}`, name: 'Bench Customer', email: 'bench@example.com' },
    });
    for (let i = 0; i < MESSAGES_PER_CONVERSATION && Date.now() < until; i++) {
      const t0 = performance.now();
      const outcome = await post(`/v1/conversations/${started.conversationId}/messages`, started.token, {
        messageId: `m${i}`,
        text: ANSWERABLE_QUESTIONS[i % ANSWERABLE_QUESTIONS.length],
      });
      latencies.push(performance.now() - t0);
      if (outcome.reply?.role !== 'ai') throw new Error(`expected an AI reply, got ${JSON.stringify(outcome)}`);
    }
  }
  return latencies;
}

async function floorLoop(client: Client, until: number): Promise<number[]> {
  const handle = await client.workflow.start(floorWorkflow, { taskQueue: 'bench-floor', workflowId: `floor-${randomUUID()}` });
  const latencies: number[] = [];
  for (let n = 0; Date.now() < until; n++) {
    const t0 = performance.now();
    await handle.executeUpdate(pingUpdate, { args: [n] });
    latencies.push(performance.now() - t0);
  }
  await handle.executeUpdate(stopUpdate);
  return latencies;
}

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { concurrency: '1,10,50,200', seconds: '20', warmup: '3', temporal: 'dev', workers: '1' });
  const levels = opts.concurrency!.split(',').map(Number);
  const seconds = Number(opts.seconds);
  const warmup = Number(opts.warmup);
  const temporal = opts.temporal as TemporalBackend;
  if (!TEMPORAL_BACKENDS.includes(temporal)) throw new Error(`--temporal must be one of ${TEMPORAL_BACKENDS.join(', ')}, got "${opts.temporal}"`);
  const workers = workerNames(Number(opts.workers)).length;
  const stack = await startBenchStack({ temporal, workers });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const results: {
    concurrency: number;
    tandem: LatencySummary;
    floor: LatencySummary;
    p50Ratio: number;
    p99Ratio: number;
    cpu: { tandem: Record<string, number>; floor: Record<string, number> };
  }[] = [];
  // Which process is busy tells what limits a level. A run lasts until its last request answers,
  // which at high concurrency is well past `seconds`: rates are over the time it really took.
  const measured = async (run: () => Promise<number[]>): Promise<[LatencySummary, Record<string, number>]> => {
    const before = stack.cpuSeconds();
    const startedAt = performance.now();
    const latencies = await run();
    const elapsed = (performance.now() - startedAt) / 1000;
    return [summarize(latencies, elapsed), cpuPercent(before, stack.cpuSeconds(), elapsed)];
  };
  try {
    for (const users of levels) {
      await runFor(users, warmup, () => floorLoop(client, Date.now() + warmup * 1000));
      const [floor, floorCpu] = await measured(() => runFor(users, seconds, (_u, until) => floorLoop(client, until)));
      await runFor(users, warmup, () => ourLoop(stack, Date.now() + warmup * 1000));
      const [tandem, tandemCpu] = await measured(() => runFor(users, seconds, (_u, until) => ourLoop(stack, until)));
      results.push({
        concurrency: users,
        tandem,
        floor,
        p50Ratio: round(tandem.p50 / floor.p50, 2),
        p99Ratio: round(tandem.p99 / floor.p99, 2),
        cpu: { tandem: tandemCpu, floor: floorCpu },
      });
    }
  } finally {
    await connection.close();
    await stack.stop();
  }
  process.stdout.write(`Temporal: ${temporal === 'dev' ? 'dev server on SQLite' : 'server on PostgreSQL'}; product worker processes: ${workers}\n\n`);
  printTable(
    ['conc', 'msgs', 'p50 ms', 'p95 ms', 'p99 ms', 'msg/s', 'floor p50', 'floor p95', 'floor p99', 'floor/s', 'p50 ×floor', 'p99 ×floor'],
    results.map((r) => [
      r.concurrency, r.tandem.count, r.tandem.p50, r.tandem.p95, r.tandem.p99, r.tandem.perSecond,
      r.floor.p50, r.floor.p95, r.floor.p99, r.floor.perSecond, r.p50Ratio, r.p99Ratio,
    ]),
  );
  const processes = Object.keys(results[0]?.cpu.tandem ?? {}).sort();
  process.stdout.write('\nCPU, percent of one core (2 cores in all), during each measured run:\n');
  printTable(
    ['conc', 'run', ...processes],
    results.flatMap((r) => [
      [r.concurrency, 'tandem', ...processes.map((p) => r.cpu.tandem[p] ?? 0)],
      [r.concurrency, 'floor', ...processes.map((p) => r.cpu.floor[p] ?? 0)],
    ]),
  );
  // What a message costs the machine against what a bare Update costs it: the ratio that decides
  // how far throughput can go on these two cores.
  const msPerRequest = (percent: number, perSecond: number): number => round((10 * percent) / perSecond, 1);
  process.stdout.write('\nCPU ms per message (tandem) and per Update (floor):\n');
  printTable(
    ['conc', 'run', ...processes],
    results.flatMap((r) => [
      [r.concurrency, 'tandem', ...processes.map((p) => msPerRequest(r.cpu.tandem[p] ?? 0, r.tandem.perSecond))],
      [r.concurrency, 'floor', ...processes.map((p) => msPerRequest(r.cpu.floor[p] ?? 0, r.floor.perSecond))],
    ]),
  );
  process.stdout.write(`${JSON.stringify({ benchmark: 'round-trip', temporal, workers, seconds, results })}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
