import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { supportConfigSchema } from '../config/schema';
import defaultConfig from '../config/support.default.json';
import { createEmbeddedProvider } from '../ai/embedded/provider';
import { loadModel } from '../ai/model-store';
import type { KnowledgeArticle } from '../domain/types';

// npm run bench:classifier [-- --model <id|path>] [--messages <n>]
// Single-message classification with the embedded model, one message at a time on one core:
// the bare classifier, and the provider's classify (classifier + sentiment + category), which is
// what the classify activity runs. Messages are the knowledge seed's questions, cycled.

const WARM_UP = 2000;

interface Timing {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, messages: { type: 'string' } } });
  const count = Number(values.messages ?? '20000');
  if (!Number.isInteger(count) || count < 1) throw new Error('--messages must be a positive integer');
  const config = supportConfigSchema.parse(defaultConfig);
  const model = await loadModel(values.model ?? 'default');
  const provider = createEmbeddedProvider({ model });
  const seed = JSON.parse(await readFile(path.resolve(__dirname, '..', 'data', 'knowledge-seed.json'), 'utf8')) as {
    articles: KnowledgeArticle[];
  };
  const questions = seed.articles.flatMap((article) => article.questions);
  const messages = Array.from({ length: count }, (_, i) => questions[(i * 7919) % questions.length] as string);

  const predict = await time(messages, async (text) => {
    model.predict(text);
  });
  const classify = await time(messages, async (text) => {
    await provider.classify(text, { config });
  });

  const rows: Array<[string, Timing]> = [
    ['classifier.predict', predict],
    ['provider.classify', classify],
  ];
  const lines = [
    `embedded classifier ${model.id}: ${count} single messages, one at a time (${process.version}, one core)`,
    '',
    `${'path'.padEnd(20)}  ${'messages/s'.padStart(10)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'mean ms'.padStart(8)}`,
    ...rows.map(
      ([name, t]) =>
        `${name.padEnd(20)}  ${String(t.messagesPerSecond).padStart(10)}  ${t.p50Ms.toFixed(3).padStart(8)}  ` +
        `${t.p99Ms.toFixed(3).padStart(8)}  ${t.meanMs.toFixed(3).padStart(8)}`,
    ),
    '',
    JSON.stringify({ bench: 'classifier', model: model.id, messages: count, predict, classify }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function time(messages: string[], run: (text: string) => Promise<void>): Promise<Timing> {
  for (let i = 0; i < WARM_UP; i++) await run(messages[i % messages.length] as string);
  const latencies = new Float64Array(messages.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) {
    const before = process.hrtime.bigint();
    await run(messages[i] as string);
    latencies[i] = Number(process.hrtime.bigint() - before) / 1e6;
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  latencies.sort();
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return {
    messagesPerSecond: Math.round(messages.length / (totalMs / 1000)),
    p50Ms: Number(at(0.5).toFixed(4)),
    p99Ms: Number(at(0.99).toFixed(4)),
    meanMs: Number((totalMs / messages.length).toFixed(4)),
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
