import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createKnowledgeSearch } from '../ai/knowledge-search';
import { loadSentenceEncoder } from '../ai/embedded/encoder';
import { DEFAULT_MODEL, loadModel } from '../ai/model-store';
import { evaluateRouting, parseRoutingCases } from '../ai/routing-evaluation';
import { createUnderstanding } from '../ai/understanding';
import { loadSupportConfig } from '../config/env';
import { cacheDir, encoderDir } from '../config/paths';
import type { KnowledgeArticle } from '../domain/types';
import { KNOWLEDGE_SEED_PATH } from '../workers/runtime';

// npm run eval:routing -- --file <cases.csv> [--model <id|path>] [--config <support.json>] [--json]
// The routing of first messages, in process and in seconds: the worker's understanding step over
// the shipped knowledge base, then the domain's decision. eval:conversations measures the same
// through the real API and Temporal; this one is for tuning and for comparing models.

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      model: { type: 'string' },
      config: { type: 'string', default: 'config/support.default.json' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.file) throw new Error('usage: npm run eval:routing -- --file <cases.csv> [--model <id|path>] [--config <file>] [--json]');
  const config = loadSupportConfig(values.config);
  const cases = parseRoutingCases(await readFile(values.file, 'utf8'));
  const { articles } = JSON.parse(await readFile(KNOWLEDGE_SEED_PATH, 'utf8')) as { articles: KnowledgeArticle[] };
  const encoder = await loadSentenceEncoder(encoderDir());
  const model = await loadModel(values.model ?? DEFAULT_MODEL);
  const knowledge = createKnowledgeSearch({ revision: async () => 'seed', published: async () => articles }, encoder, path.join(cacheDir(), 'embeddings'));
  const understanding = createUnderstanding({ encoder, model: () => model, knowledge });
  const started = performance.now();
  const figures = await evaluateRouting({
    cases,
    understanding,
    config,
    articleIntent: (id) => articles.find((article) => article.id === id)?.intent,
  });
  const msPerCase = (performance.now() - started) / Math.max(1, cases.length);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file: values.file, model: model.id, ...figures, msPerCase: Math.round(msPerCase * 10) / 10 })}\n`);
    return;
  }
  const lines = [`model ${model.id} on ${values.file}: routing ${(figures.accuracy * 100).toFixed(1)}% (${figures.right}/${figures.cases}), ${msPerCase.toFixed(1)} ms a case`];
  for (const [kind, tally] of Object.entries(figures.byKind)) lines.push(`  ${kind.padEnd(6)} ${tally.right}/${tally.cases}  ${((tally.right / tally.cases) * 100).toFixed(1)}%`);
  lines.push('misses:');
  for (const miss of figures.misses) lines.push(`  ${miss.kind.padEnd(28)} ${JSON.stringify(miss.text.slice(0, 70))}\n  ${' '.repeat(28)} -> ${miss.decision}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
