// `npm run audit -- --file tickets.csv [--text col --id col --date col] [--out dir] [--batch-size n]`:
// uploads a ticket export to the running API, shows the audit's progress, then prints the Pareto
// table and saves the categorised spreadsheet and the Pareto chart (see operator-api.ts for the
// API and credential it uses).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './stack/paths';
import { operatorApi, option, runCommand } from './operator-api';

interface ParetoRow {
  category: string;
  count: number;
  percent: number;
  cumulativePercent: number;
}

interface AuditView {
  status: 'running' | 'completed';
  progress: { total: number; categorised: number };
  result?: { pareto: ParetoRow[]; automationCandidates: ParetoRow[]; humanCentric: ParetoRow[]; categorised: number };
}

const USAGE = 'usage: npm run audit -- --file <tickets.csv|tickets.json> [--text col] [--id col] [--date col] [--out dir] [--batch-size n]';
const POLL_MS = 500;
const BAR_WIDTH = 30;

function bar(done: number, total: number, elapsedMs: number): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * BAR_WIDTH);
  return `\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total} tickets ${(elapsedMs / 1000).toFixed(1)}s`;
}

function paretoText(rows: ParetoRow[]): string {
  const width = Math.max(8, ...rows.map((r) => r.category.length));
  const line = (cells: string[]) => `${cells[0]?.padEnd(width)}  ${cells.slice(1).map((c) => c.padStart(7)).join('  ')}`;
  return [line(['category', 'count', '%', 'cum %']), ...rows.map((r) => line([r.category, String(r.count), r.percent.toFixed(1), r.cumulativePercent.toFixed(1)]))].join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const file = option(args, 'file');
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { base, headers, call: api } = operatorApi();

  const columns = Object.fromEntries((['id', 'date', 'text'] as const).flatMap((c) => (option(args, c) ? [[c, option(args, c)]] : [])));
  const batchSize = option(args, 'batch-size');
  const started = Date.now();
  const upload = await api<{ auditId: string; total: number; skipped: number }>('POST', '/v1/audits', {
    format: file.toLowerCase().endsWith('.json') ? 'json' : 'csv',
    content: fs.readFileSync(file, 'utf8'),
    source: path.basename(file),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
    ...(batchSize ? { batchSize: Number(batchSize) } : {}),
  });
  process.stderr.write(`audit ${upload.auditId}: ${upload.total} tickets (${upload.skipped} rows without text skipped), workflow audit-${upload.auditId}\n`);

  let audit: AuditView;
  for (;;) {
    audit = await api<AuditView>('GET', `/v1/audits/${upload.auditId}`);
    process.stderr.write(bar(audit.progress.categorised, audit.progress.total, Date.now() - started));
    if (audit.status === 'completed') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const elapsedMs = Date.now() - started;
  process.stderr.write('\n');

  const out = path.resolve(option(args, 'out') ?? path.join(REPO_ROOT, '.run', 'audits', upload.auditId));
  fs.mkdirSync(out, { recursive: true });
  for (const [route, name] of [['tickets.csv', 'tickets.csv'], ['pareto.png', 'pareto.png']] as const) {
    const response = await fetch(`${base}/v1/audits/${upload.auditId}/${route}`, { headers });
    if (!response.ok) throw new Error(`download ${route}: ${response.status}`);
    fs.writeFileSync(path.join(out, name), Buffer.from(await response.arrayBuffer()));
  }
  fs.writeFileSync(path.join(out, 'result.json'), `${JSON.stringify(audit.result, null, 2)}\n`);

  const result = audit.result as NonNullable<AuditView['result']>;
  const names = (rows: ParetoRow[]) => rows.map((r) => `${r.category} (${r.percent.toFixed(1)}%)`).join(', ') || 'none';
  process.stdout.write(
    [
      `${result.categorised} tickets categorised in ${(elapsedMs / 1000).toFixed(1)}s (upload to result)`,
      '',
      paretoText(result.pareto),
      '',
      `Automation candidates (informational, within the first 80%): ${names(result.automationCandidates)}`,
      `Human-centric: ${names(result.humanCentric)}`,
      '',
      `Spreadsheet: ${path.join(out, 'tickets.csv')}`,
      `Chart:       ${path.join(out, 'pareto.png')}`,
      '',
    ].join('\n'),
  );
  return 0;
}

runCommand('audit', main);
