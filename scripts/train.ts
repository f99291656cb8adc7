import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatCsv, readLabelledRows } from '../ai/csv';
import { mulberry32, shuffle, trainClassifier } from '../ai/embedded/classifier';
import { embedAllCached } from '../ai/embedded/embedding-cache';
import { loadSentenceEncoder } from '../ai/embedded/encoder';
import { DEFAULT_MODELS_DIR, saveModel } from '../ai/model-store';
import { cacheDir, encoderDir } from '../config/paths';
import { DATASET_OPTIONS } from './dataset-options';

// npm run train -- --file <csv> --text <column> --label <column> [--name <name>] [--out <dir>]
//                  [--seed <n>] [--holdout <fraction>]
// Trains the embedded classifier from any labelled CSV and stores it as a new model version, with
// the same recipe as the shipped model: hashed n-grams plus the sentence encoder's embedding of
// each text (the worker always passes one). Embeddings are cached on disk per exact set of texts.
// --holdout keeps a seeded random slice out of training and writes it next to the model, ready
// for `npm run eval`.

const USAGE =
  'usage: npm run train -- --file <csv> --text <column> --label <column> [--name <name>] [--out <dir>] ' +
  '[--seed <n>] [--holdout <fraction 0..0.5>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...DATASET_OPTIONS,
      name: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      holdout: { type: 'string' },
    },
  });
  if (!values.file || !values.text || !values.label) throw new UsageError('--file, --text and --label are required');
  const seed = Number(values.seed ?? '1');
  const holdout = Number(values.holdout ?? '0');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  if (!(holdout >= 0 && holdout <= 0.5)) throw new UsageError('--holdout must be a fraction between 0 and 0.5');

  const rows = readLabelledRows(await readFile(values.file, 'utf8'), values.text, values.label);
  const order = shuffle(
    rows.texts.map((_, i) => i),
    mulberry32(seed),
  );
  const heldOut = new Set(order.slice(0, Math.round(rows.texts.length * holdout)));
  const trainIds = rows.texts.map((_, i) => i).filter((i) => !heldOut.has(i));
  const name = values.name ?? path.basename(values.file).replace(/\.[^.]*$/, '');

  const started = performance.now();
  const trainTexts = trainIds.map((i) => rows.texts[i] as string);
  const encoder = await loadSentenceEncoder(encoderDir());
  process.stderr.write(`embedding ${trainTexts.length} texts with ${encoder.id} (from the cache if they were embedded before)\n`);
  const vectors = await embedAllCached(encoder, trainTexts, path.join(cacheDir(), 'embeddings'));
  const embeddedAt = performance.now();
  const model = trainClassifier(
    trainTexts,
    trainIds.map((i) => rows.labels[i] as string),
    { name, seed, embeddings: { encoder: encoder.id, vectors } },
  );
  const outDir = path.resolve(values.out ?? DEFAULT_MODELS_DIR);
  const file = await saveModel(model, outDir);

  const lines = [
    `model ${model.id}`,
    `written to ${shown(file)}`,
    `labels ${model.labels.length}, trained on ${model.metrics.trainingExamples} rows, ` +
      `calibrated on ${model.metrics.calibrationExamples} (temperature ${model.temperature}) ` +
      `in ${((performance.now() - embeddedAt) / 1000).toFixed(1)} s, after ${((embeddedAt - started) / 1000).toFixed(1)} s embedding`,
  ];
  if (model.metrics.calibrationAccuracy !== null) {
    lines.push(
      `calibration slice: accuracy ${percent(model.metrics.calibrationAccuracy)}, ` +
        `ECE ${model.metrics.eceBeforeScaling} before scaling, ${model.metrics.expectedCalibrationError} after`,
    );
  }
  if (rows.skipped > 0) lines.push(`skipped ${rows.skipped} rows with an empty text or label`);
  if (heldOut.size > 0) {
    const holdoutFile = path.join(outDir, `${model.id}.holdout.csv`);
    const held = [...heldOut].sort((a, b) => a - b).map((i) => [rows.texts[i] as string, rows.labels[i] as string]);
    await writeFile(holdoutFile, formatCsv([[values.text, values.label], ...held]));
    lines.push(
      `held back ${heldOut.size} rows (seed ${seed}) in ${shown(holdoutFile)}; evaluate with:`,
      `  npm run eval -- --file ${shown(holdoutFile)} --text ${values.text} ` +
        `--label ${values.label} --model ${shown(file)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

class UsageError extends Error {}

/** A path relative to where the command was run when it is below it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

main().catch((err: unknown) => {
  const misused = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (misused) process.stderr.write(`${USAGE}\n`);
  process.exitCode = misused ? 2 : 1;
});
