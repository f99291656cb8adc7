// `npx tsx scripts/make-audit-tickets.ts [--count 1000] [--out .run/audit-tickets.csv]`: demo tickets
// for the ticket audit, made from real public texts in ../shared/datasets: the Bitext VALIDATION
// split and BANKING77 TRAIN texts (never a test split), with ids and dates over the last six weeks.
import fs from 'node:fs';
import path from 'node:path';
import { formatCsv, parseCsvRecords } from '../ai/csv';
import { mulberry32 } from '../ai/embedded/classifier';
import { REPO_ROOT } from './stack/paths';

const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');
const BITEXT_VALIDATION = path.join(DATASETS, 'bitext_customer_support/intent_detection/Bitext_Sample_Customer_Service_Validation_Dataset.csv');
const BANKING77_TRAIN = path.join(DATASETS, 'banking77/train.csv');
const WINDOW_DAYS = 42;
const CHANNELS = ['email', 'chat', 'web form', 'phone transcript'];

function option(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? (args[at + 1] as string) : fallback;
}

function main(): void {
  const args = process.argv.slice(2);
  const count = Number(option(args, 'count', '1000'));
  const out = path.resolve(option(args, 'out', path.join(REPO_ROOT, '.run', 'audit-tickets.csv')));
  const random = mulberry32(20261126); // the same command makes the same file

  const bitext = parseCsvRecords(fs.readFileSync(BITEXT_VALIDATION, 'utf8')).records.map((r) => ({ text: r.utterance ?? '', source: 'bitext-validation' }));
  const banking = parseCsvRecords(fs.readFileSync(BANKING77_TRAIN, 'utf8')).records.map((r) => ({ text: r.text ?? '', source: 'banking77-train' }));
  // Bitext first (the shop the default configuration describes), topped up with banking questions.
  const shuffledBanking = banking.map((t) => ({ t, k: random() })).sort((a, b) => a.k - b.k).map(({ t }) => t);
  const pool = [...bitext, ...shuffledBanking].filter((t) => t.text.trim() !== '').slice(0, count);
  const picked = pool.map((t) => ({ t, k: random() })).sort((a, b) => a.k - b.k).map(({ t }) => t);

  const now = Date.now();
  const rows = picked.map((ticket, i) => {
    const at = new Date(now - random() * WINDOW_DAYS * 24 * 60 * 60 * 1000);
    return { at, ticket, channel: CHANNELS[Math.floor(random() * CHANNELS.length)] as string, i };
  });
  rows.sort((a, b) => a.at.getTime() - b.at.getTime());
  const csv = formatCsv([
    ['id', 'date', 'text', 'channel', 'source'],
    ...rows.map((r, n) => [`TCK-${String(10001 + n)}`, r.at.toISOString(), r.ticket.text, r.channel, r.ticket.source]),
  ]);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, csv);
  const fromBanking = rows.filter((r) => r.ticket.source === 'banking77-train').length;
  process.stdout.write(`wrote ${rows.length} tickets (${rows.length - fromBanking} Bitext validation, ${fromBanking} BANKING77 train) to ${out}\n`);
}

main();
