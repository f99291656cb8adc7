// `npm run what-if -- --config candidate.json [--since 7d | --last 500] [--out dir]`: replays a
// candidate support configuration over recorded conversations through the running API, prints the
// conversations whose outcome changes and the totals, and saves the report and a chart (see
// operator-api.ts for the API and credential it uses).
import fs from 'node:fs';
import path from 'node:path';
import type { OutcomeChange, ReplayedOutcome, WhatIfReport } from '../domain/what-if';
import { whatIfChartPng, whatIfChartSvg } from '../report/what-if-chart';
import { operatorApi, option, runCommand } from './operator-api';
import { REPO_ROOT } from './stack/paths';

const USAGE = 'usage: npm run what-if -- --config <candidate.json> [--since <n>d|<n>h] [--last <n>] [--out dir]';
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000 };

/** "7d" or "12h" before now, as an ISO time. */
function sinceOf(ago: string): string {
  const match = /^(\d+)([dh])$/.exec(ago);
  if (!match) throw new Error(`--since takes a number of days or hours, like 7d or 12h; got ${ago}`);
  return new Date(Date.now() - Number(match[1]) * (UNIT_MS[match[2] as string] as number)).toISOString();
}

function describe(outcome: ReplayedOutcome): string {
  if (outcome.escalatedAt === undefined) return 'AI kept it';
  return `message ${outcome.escalatedAt} → ${outcome.queue}/${outcome.priority} (${outcome.reasons.join(', ')})`;
}

function changesText(changes: OutcomeChange[]): string {
  const rows = [['conversation', 'change', 'before', 'after'], ...changes.map((c) => [c.conversationId, c.change, describe(c.before), describe(c.after)])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] as number) : cell)).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const file = option(args, 'config');
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const since = option(args, 'since');
  const last = option(args, 'last');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const report = await operatorApi().call<WhatIfReport & { conversations: number; activeVersion: number | null }>('POST', '/v1/policies/what-if', {
    config,
    ...(since ? { since: sinceOf(since) } : {}),
    last: last ? Number(last) : since ? 5000 : 200,
  });

  const out = path.resolve(option(args, 'out') ?? path.join(REPO_ROOT, '.run', 'what-if', new Date().toISOString().replace(/[:.]/g, '-')));
  fs.mkdirSync(out, { recursive: true });
  const title = `What-if: ${path.basename(file)} against ${report.activeVersion === null ? 'the configuration file' : `policy version ${report.activeVersion}`}`;
  fs.writeFileSync(path.join(out, 'what-if.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'what-if.svg'), whatIfChartSvg(report.totals, title));
  fs.writeFileSync(path.join(out, 'what-if.png'), whatIfChartPng(report.totals, title));

  const { containment, handoffsPerQueue, slaBreaches } = report.totals;
  const queues = [...new Set([...Object.keys(handoffsPerQueue.before), ...Object.keys(handoffsPerQueue.after)])].sort();
  process.stdout.write(
    [
      `${report.conversations} recorded conversations replayed; ${report.changes.length} change outcome`,
      '',
      report.changes.length > 0 ? changesText(report.changes) : '(no conversation changes)',
      '',
      `containment   ${(containment.before * 100).toFixed(1)}% → ${(containment.after * 100).toFixed(1)}%`,
      ...queues.map((q) => `handoffs ${q.padEnd(12)} ${handoffsPerQueue.before[q] ?? 0} → ${handoffsPerQueue.after[q] ?? 0}`),
      `SLA breaches  ${slaBreaches.before} → ${slaBreaches.after} (first response, given the recorded reply times)`,
      '',
      `Report: ${path.join(out, 'what-if.json')}`,
      `Chart:  ${path.join(out, 'what-if.png')}`,
      '',
    ].join('\n'),
  );
  return 0;
}

runCommand('what-if', main);
