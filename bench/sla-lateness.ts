// SLA timer lateness: many handoffs whose first-response deadlines fall as close together as they
// can be created (1,000 in about 90 s here), none claimed; how late each breach runs (the
// workflow's time when it handled the breach, minus the deadline), from the SLA events the breach
// chain records, and the CPU each handoff cost.
//   npm run bench:sla -- [--handoffs 1000] [--concurrency 50] [--target-seconds 90]
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { sameTargetsForEveryPriority, writeSupportConfig } from '../test/support/support-config';
import { cpuSecondsUsed, flags, printTable, round, summarize } from './load';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { handoffs: '1000', concurrency: '50', 'target-seconds': '90' });
  const total = Number(opts.handoffs);
  const concurrency = Number(opts.concurrency);
  const targetMs = Number(opts['target-seconds']) * 1000;

  const configFile = writeSupportConfig((config) => {
    sameTargetsForEveryPriority(config, { firstResponseMs: targetMs, resolutionMs: targetMs * 100 });
    config.sla.returnAfterMs = targetMs * 100;
  });

  const stack = await startBenchStack({ extraEnv: { TANDEM_SUPPORT_CONFIG: configFile } });
  const db = await mongoose.createConnection(String(stack.env.MONGO_URL)).asPromise();
  try {
    let next = 0;
    const t0 = Date.now();
    const cpuAtStart = stack.cpuSeconds();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next += 1;
          const res = await fetch(`${stack.apiUrl}/v1/conversations`, {
            method: 'POST',
            headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              customer: { id: `sla-${next}`, name: 'Sla Customer', email: 'sla@example.com' },
              conversationId: `sla-${randomUUID()}`,
              firstMessage: { messageId: 'm1', text: 'can I talk to a person' },
            }),
          });
          const body = (await res.json()) as { outcome?: { handoff?: unknown } };
          if (res.status !== 201 || !body.outcome?.handoff) throw new Error(`expected a handoff, got ${res.status}`);
        }
      }),
    );
    const spreadSeconds = (Date.now() - t0) / 1000;
    const cpuAtCreated = stack.cpuSeconds();
    process.stdout.write(`${total} handoffs created in ${round(spreadSeconds)} s; waiting for their breaches\n`);

    const events = db.collection('sla_events');
    const deadline = Date.now() + targetMs + spreadSeconds * 1000 + 120_000;
    let breaches: { lateMs: number }[] = [];
    while (Date.now() < deadline) {
      breaches = await events.find({ kind: 'breach', target: 'firstResponse' }, { projection: { lateMs: 1 } }).toArray() as never;
      if (breaches.length >= total) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    // Per handoff rather than per second: the breaching phase includes the wait for the first deadline.
    const perHandoffMs = (before: Record<string, number>, after: Record<string, number>) =>
      Object.fromEntries(Object.entries(cpuSecondsUsed(before, after)).map(([name, seconds]) => [name, round((1000 * seconds) / total, 1)]));
    const cpu = {
      creating: perHandoffMs(cpuAtStart, cpuAtCreated),
      'SLA firings': perHandoffMs(cpuAtCreated, stack.cpuSeconds()),
    };
    const lateness = summarize(breaches.map((b) => b.lateMs), 1);
    printTable(
      ['handoffs', 'deadlines spread s', 'breaches recorded', 'late p50 ms', 'late p99 ms', 'late max ms'],
      [[total, round(spreadSeconds), breaches.length, lateness.p50, lateness.p99, lateness.max]],
    );
    const processes = Object.keys(cpu.creating).sort();
    process.stdout.write('\nCPU ms per handoff: creating it, then its SLA warning and breach\n');
    printTable(
      ['phase', ...processes, 'all'],
      Object.entries(cpu).map(([phase, byProcess]) => [phase, ...processes.map((p) => byProcess[p] ?? 0), round(Object.values(byProcess).reduce((a, b) => a + b, 0), 1)]),
    );
    process.stdout.write(`${JSON.stringify({ benchmark: 'sla-lateness', handoffs: total, spreadSeconds, breaches: breaches.length, lateMs: lateness, cpuMsPerHandoff: cpu })}\n`);
  } finally {
    await db.close();
    await stack.stop();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
