// What-if speed: seconds to replay a candidate configuration over the latest recorded conversations,
// from reading them out of FerretDB to the finished report, through the same use case the API calls.
//   npm run bench:what-if -- [--conversations 1000] [--runs 5]
// Only FerretDB runs (in .run/bench-what-if, port WHAT_IF_BENCH_MONGO_PORT or 57117): the what-if
// calls no model and no workflow.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { activeSupportConfig, whatIfPolicy } from '../app/policies';
import { supportConfigSchema, type SupportConfig } from '../config/schema';
import { connectDatabase } from '../db/models';
import { writeConversationProjection } from '../db/conversations';
import { REPO_ROOT } from '../scripts/stack/paths';
import { startStack, stopStackAndClearStores } from '../scripts/stack/services';
import { generateRecordedConversations, recordedProjection } from '../test/support/recorded-conversations';
import { flags, printTable, round } from './load';

const RUN_DIR = path.join(REPO_ROOT, '.run', 'bench-what-if');
/** The budget issue 18 set for 1,000 conversations. */
const BUDGET_SECONDS = 5;

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { conversations: '1000', runs: '5' });
  const count = Number(opts.conversations);
  const supportConfig = supportConfigSchema.parse(JSON.parse(readFileSync(path.join(REPO_ROOT, 'config', 'support.default.json'), 'utf8')));
  const candidate: SupportConfig = { ...supportConfig, escalation: { ...supportConfig.escalation, lowConfidence: 0.2, keywords: [...supportConfig.escalation.keywords, 'refund'] } };
  await stopStackAndClearStores(RUN_DIR);
  const info = await startStack({
    services: ['mongo'],
    runDir: RUN_DIR,
    mongoDatabase: `whatif${Date.now()}`,
    ports: { mongo: Number(process.env.WHAT_IF_BENCH_MONGO_PORT ?? 57117) },
  });
  const { connection, models } = await connectDatabase(info.mongoUrl);
  try {
    const seeded = Date.now();
    for (const { recorded } of generateRecordedConversations(count)) {
      await writeConversationProjection(models, recordedProjection(recorded));
    }
    console.error(`seeded ${count} recorded conversations in ${round((Date.now() - seeded) / 1000)} s`);
    const ctx = { models, supportConfig };
    await activeSupportConfig(ctx);
    const rows: (string | number)[][] = [];
    for (let run = 1; run <= Number(opts.runs); run += 1) {
      const t0 = performance.now();
      const report = await whatIfPolicy(ctx, candidate, { last: count });
      const seconds = (performance.now() - t0) / 1000;
      rows.push([run, report.conversations, report.changes.length, round(seconds, 2)]);
    }
    printTable(['run', 'conversations', 'changed', 'seconds'], rows);
    const worst = Math.max(...rows.map((r) => r[3] as number));
    console.log(`what-if over ${count} recorded conversations: worst of ${rows.length} runs ${worst} s (budget ${BUDGET_SECONDS} s)`);
  } finally {
    await connection.close();
    await stopStackAndClearStores(RUN_DIR);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
