import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { supportConfigSchema } from '../config/schema';
import defaultConfig from '../config/support.default.json';
import { parseCsvRecords } from '../ai/csv';
import { mulberry32, shuffle } from '../ai/embedded/classifier';
import { loadSentenceEncoder } from '../ai/embedded/encoder';
import { createKnowledgeSearch } from '../ai/knowledge-search';
import { DEFAULT_MODEL, loadModel } from '../ai/model-store';
import { createUnderstanding } from '../ai/understanding';
import { cacheDir, encoderDir } from '../config/paths';
import type { KnowledgeArticle } from '../domain/types';
import { formatTable } from './load';

// npm run bench:understanding [-- --model <id|path>] [--messages <n>]
// The worker's understanding step on single messages, one at a time, as it runs them: the
// sentence encoder alone (embed([text])), the classifier alone (predict with that embedding),
// and the whole step (embed, classify, hybrid retrieval over the shipped knowledge base,
// language, sentiment), alone and as a next turn (an unclear message is read again with the
// previous one). Messages are the knowledge seed's questions and the development set's
// first messages, cycled. Also the process's RSS once encoder, model and knowledge index are
// loaded, and after the run. In process, no Temporal, no database.

const REPO = path.resolve(__dirname, '..');
const KNOWLEDGE_SEED = path.join(REPO, 'data', 'knowledge-seed.json');
const DEV_CASES = path.join(REPO, 'data', 'eval', 'conversations-dev.csv');
const WARM_UP = 200;

interface Message {
  text: string;
  /** The customer's message before it, as a conversation's next turn reads it. */
  previous: string;
  embedding?: Float32Array;
}

interface Timing {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, messages: { type: 'string' } } });
  const count = Number(values.messages ?? '2000');
  if (!Number.isInteger(count) || count < 1) throw new Error('--messages must be a positive integer');
  const config = supportConfigSchema.parse(defaultConfig);

  const { articles } = JSON.parse(await readFile(KNOWLEDGE_SEED, 'utf8')) as { articles: KnowledgeArticle[] };
  const devTexts = parseCsvRecords(await readFile(DEV_CASES, 'utf8'))
    .records.map((record) => (record.text ?? '').trim())
    .filter((text) => text !== '');
  const pool = shuffle([...articles.flatMap((article) => article.questions), ...devTexts], mulberry32(1));
  const at = (i: number): Message => ({ text: pool[i % pool.length] as string, previous: pool[(i + pool.length - 1) % pool.length] as string });
  const messages: Message[] = Array.from({ length: count }, (_, i) => at(i));
  const warmUp: Message[] = Array.from({ length: WARM_UP }, (_, i) => at(count + i));

  const encoder = await loadSentenceEncoder(encoderDir());
  const model = await loadModel(values.model ?? DEFAULT_MODEL);
  if (model.encoder !== undefined && model.encoder !== encoder.id) {
    throw new Error(`model ${model.id} was trained with encoder ${model.encoder}, but ${encoder.id} is installed`);
  }
  const knowledge = createKnowledgeSearch({ revision: async () => 'seed', published: async () => articles }, encoder, path.join(cacheDir(), 'embeddings'));
  const understanding = createUnderstanding({ encoder, model: () => model, knowledge });
  // The first message builds the knowledge index (passage embeddings from the disk cache).
  await understanding.understand({ text: 'where is my order', config });
  const rssLoadedMb = rssMb();

  // Each message keeps the vector its timed embed produced, for the classifier alone to read.
  const embed = await time(messages, warmUp, async (message) => {
    [message.embedding] = await encoder.embed([message.text]);
  });
  const predict = await time(messages, warmUp, async (message) => {
    model.predict(message.text, message.embedding);
  });
  for (const message of [...messages, ...warmUp]) delete message.embedding;
  const understand = await time(messages, warmUp, async (message) => {
    await understanding.understand({ text: message.text, config });
  });
  const followUp = await time(messages, warmUp, async (message) => {
    await understanding.understand({ text: message.text, previous: message.previous, config });
  });
  const rssAfterMb = rssMb();

  process.stdout.write(
    `understanding step, model ${model.id}, encoder ${encoder.id}: ${count} single messages one at a time ` +
      `(${pool.length} distinct: ${pool.length - devTexts.length} knowledge-base questions, ${devTexts.length} dev cases), ` +
      `after ${WARM_UP} warm-up; ${process.version}, encoder on one thread\n\n`,
  );
  const table = formatTable(
    ['path', 'messages/s', 'p50 ms', 'p99 ms', 'mean ms'],
    (
      [
        ['encoder.embed([text])', embed],
        ['model.predict(text, embedding)', predict],
        ['understanding.understand', understand],
        ['… after an AI answer (with the previous message)', followUp],
      ] as const
    ).map(([name, t]) => [name, t.messagesPerSecond, t.p50Ms.toFixed(3), t.p99Ms.toFixed(3), t.meanMs.toFixed(3)]),
    1,
  );
  process.stdout.write(table);
  process.stdout.write(`\nRSS ${rssLoadedMb} MB with encoder, model and knowledge index loaded; ${rssAfterMb} MB after the run\n`);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'understanding',
      model: model.id,
      encoder: encoder.id,
      messages: count,
      distinctMessages: pool.length,
      embed,
      predict,
      understand,
      followUp,
      rssMb: { loaded: rssLoadedMb, afterRun: rssAfterMb },
    })}\n`,
  );
}

/** Runs the warm-up, then times each message alone. */
async function time(messages: Message[], warmUp: Message[], run: (message: Message) => Promise<void>): Promise<Timing> {
  for (const message of warmUp) await run(message);
  const latencies = new Float64Array(messages.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) {
    const before = process.hrtime.bigint();
    await run(messages[i] as Message);
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

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
