// Audit throughput: tickets per second for a ticket audit through the real API and batch worker,
// from upload to finished result.
//   npm run bench:audit -- [--tickets 1000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flags, printTable, round } from './load';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { tickets: '1000' });
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-audit-')), 'tickets.csv');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/make-audit-tickets.ts', '--count', opts.tickets!, '--out', file]);
  const stack = await startBenchStack();
  try {
    const headers = { authorization: `Bearer ${stack.operatorKey}`, 'content-type': 'application/json' };
    const t0 = Date.now();
    const started = await fetch(`${stack.apiUrl}/v1/audits`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ format: 'csv', content: readFileSync(file, 'utf8'), source: 'bench' }),
    });
    if (started.status !== 202) throw new Error(`upload answered ${started.status}: ${await started.text()}`);
    const { auditId, total } = (await started.json()) as { auditId: string; total: number };
    const uploadSeconds = (Date.now() - t0) / 1000;
    for (;;) {
      const res = await fetch(`${stack.apiUrl}/v1/audits/${auditId}`, { headers });
      if (((await res.json()) as { status: string }).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - t0) / 1000;
    printTable(
      ['tickets', 'upload s', 'total s', 'tickets/s'],
      [[total, round(uploadSeconds), round(seconds), round(total / seconds)]],
    );
    process.stdout.write(`${JSON.stringify({ benchmark: 'audit', tickets: total, uploadSeconds, seconds, ticketsPerSecond: total / seconds })}\n`);
  } finally {
    await stack.stop();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
