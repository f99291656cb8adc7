import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { supportConfigSchema, type SupportConfig } from '../config/schema';
import defaultConfig from '../config/support.default.json';
import { readLabelledRows } from '../ai/csv';
import { expectedCalibrationError, type LoadedModel } from '../ai/embedded/classifier';
import { embedAllCached } from '../ai/embedded/embedding-cache';
import { loadSentenceEncoder } from '../ai/embedded/encoder';
import { scoreSentiment } from '../ai/embedded/sentiment';
import { DEFAULT_MODEL, loadModel } from '../ai/model-store';
import { categoryForLabel, detectLanguage } from '../ai/understanding';
import { cacheDir, encoderDir } from '../config/paths';
import { escalationReasons } from '../domain/escalation';
import type { Classification, CustomerProfile } from '../domain/types';
import { DATASET_OPTIONS } from './dataset-options';

// npm run eval -- --file <csv> --text <column> --label <column> [--model <id|path>]
//                 [--escalate <label,label,...>] [--json]
// Classifies every row with the embedded model as the worker's understanding step does (the
// sentence encoder's embedding of the text when the model was trained with one, then the model;
// category, sentiment and language as the product derives them) and measures it. Embeddings of
// a file are computed once and cached on disk, so messages/s leaves the encoder out;
// `npm run bench:understanding` times the whole step. With --escalate, each row is also put to
// the product's escalation rules as the first message of a new conversation from an ordinary
// customer: rows with a listed label must go to a person, every other row must not.

const USAGE =
  'usage: npm run eval -- --file <csv> --text <column> --label <column> [--model <id|path>] ' +
  '[--escalate <label,label,...>] [--json]';
const TOP_CONFUSIONS = 10;
const DEMO_CUSTOMER: CustomerProfile = { id: 'eval-customer', name: 'Dana Demo', email: 'dana@example.com' };

interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

interface EscalationReport {
  labels: string[];
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** How often each rule fired, on rows that should and should not have escalated. */
  reasonsOnEscalations: Record<string, number>;
  reasonsOnFalseEscalations: Record<string, number>;
}

interface EvalReport {
  file: string;
  model: string;
  rows: number;
  /** Rows whose label the model knows; accuracy and F1 are over these. */
  rowsWithKnownLabel: number;
  accuracy: number | null;
  macroF1: number | null;
  /** How far the stated confidence is from the observed accuracy (15 bins); null like accuracy. */
  expectedCalibrationError: number | null;
  messagesPerSecond: number;
  perClass: Record<string, ClassMetrics>;
  confusions: Array<{ label: string; predicted: string; count: number }>;
  escalation?: EscalationReport;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...DATASET_OPTIONS,
      model: { type: 'string' },
      escalate: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.file || !values.text || !values.label) throw new UsageError('--file, --text and --label are required');
  const config = supportConfigSchema.parse(defaultConfig);
  const model = await loadModel(values.model ?? DEFAULT_MODEL);
  const { texts, labels } = readLabelledRows(await readFile(values.file, 'utf8'), values.text, values.label);
  const embeddings = await embeddingsFor(model, texts);
  const escalateLabels = values.escalate
    ?.split(',')
    .map((label) => label.trim())
    .filter((label) => label !== '');

  const classifications: Classification[] = [];
  let classifyMs = 0;
  texts.forEach((text, i) => {
    const started = performance.now();
    classifications.push(classify(model, text, embeddings?.[i], config));
    classifyMs += performance.now() - started;
  });

  const known = new Set(model.labels);
  const scored = labels.flatMap((label, i) => {
    const classification = classifications[i] as Classification;
    return known.has(label) ? [{ label, predicted: classification.intent, confidence: classification.confidence }] : [];
  });
  const report: EvalReport = {
    file: values.file,
    model: model.id,
    rows: texts.length,
    rowsWithKnownLabel: scored.length,
    ...classificationMetrics(scored),
    expectedCalibrationError:
      scored.length === 0
        ? null
        : round(expectedCalibrationError(scored.map((row) => row.confidence), scored.map((row) => row.predicted === row.label))),
    messagesPerSecond: Math.round(texts.length / (classifyMs / 1000)),
  };
  if (escalateLabels) {
    const mustEscalate = new Set(escalateLabels);
    const decisions = texts.map((text, i) => {
      const classification = classifications[i] as Classification;
      const reasons = escalationReasons({ config, customer: DEMO_CUSTOMER, transcript: [], message: { text, classification } });
      return { expected: mustEscalate.has(labels[i] as string), reasons: reasons.map((reason) => reason.code) };
    });
    report.escalation = { labels: escalateLabels, ...escalationMetrics(decisions) };
  }
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
}

/** The sentence encoder's vector of every text, when the model was trained with one; else undefined. */
async function embeddingsFor(model: LoadedModel, texts: string[]): Promise<Float32Array[] | undefined> {
  if (model.encoder === undefined) return undefined;
  const encoder = await loadSentenceEncoder(encoderDir());
  if (encoder.id !== model.encoder) {
    throw new Error(`model ${model.id} was trained with the sentence encoder ${model.encoder}, but ${encoder.id} is installed`);
  }
  return embedAllCached(encoder, texts, path.join(cacheDir(), 'embeddings'));
}

/** What the understanding step reports of a message, short of retrieval: all the escalation rules read. */
function classify(model: LoadedModel, text: string, embedding: Float32Array | undefined, config: SupportConfig): Classification {
  const prediction = model.predict(text, embedding);
  const language = detectLanguage(text);
  return {
    intent: prediction.label,
    category: categoryForLabel(prediction.label, config),
    confidence: prediction.confidence,
    sentiment: scoreSentiment(text),
    modelVersion: model.id,
    ...(language ? { language } : {}),
  };
}

function classificationMetrics(
  scored: Array<{ label: string; predicted: string }>,
): Pick<EvalReport, 'accuracy' | 'macroF1' | 'perClass' | 'confusions'> {
  if (scored.length === 0) return { accuracy: null, macroF1: null, perClass: {}, confusions: [] };
  const gold = new Map<string, number>();
  const predicted = new Map<string, number>();
  const correct = new Map<string, number>();
  const confusions = new Map<string, number>();
  for (const { label, predicted: guess } of scored) {
    gold.set(label, (gold.get(label) ?? 0) + 1);
    predicted.set(guess, (predicted.get(guess) ?? 0) + 1);
    if (guess === label) correct.set(label, (correct.get(label) ?? 0) + 1);
    else confusions.set(`${label}\u0000${guess}`, (confusions.get(`${label}\u0000${guess}`) ?? 0) + 1);
  }
  const perClass: Record<string, ClassMetrics> = {};
  for (const label of [...gold.keys()].sort()) {
    const hits = correct.get(label) ?? 0;
    const precision = ratio(hits, predicted.get(label) ?? 0);
    const recall = ratio(hits, gold.get(label) ?? 0);
    perClass[label] = {
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
      support: gold.get(label) ?? 0,
    };
  }
  const f1s = Object.values(perClass).map((metrics) => metrics.f1);
  const accuracy = [...correct.values()].reduce((sum, n) => sum + n, 0) / scored.length;
  return {
    accuracy: round(accuracy),
    macroF1: round(f1s.reduce((sum, f1) => sum + f1, 0) / f1s.length),
    perClass,
    confusions: [...confusions]
      .map(([pair, count]) => {
        const [label = '', guess = ''] = pair.split('\u0000');
        return { label, predicted: guess, count };
      })
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label) || a.predicted.localeCompare(b.predicted))
      .slice(0, TOP_CONFUSIONS),
  };
}

function escalationMetrics(decisions: Array<{ expected: boolean; reasons: string[] }>): Omit<EscalationReport, 'labels'> {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  const reasonsOnEscalations: Record<string, number> = {};
  const reasonsOnFalseEscalations: Record<string, number> = {};
  for (const { expected, reasons } of decisions) {
    const escalated = reasons.length > 0;
    if (escalated && expected) truePositives++;
    if (escalated && !expected) falsePositives++;
    if (!escalated && expected) falseNegatives++;
    const tally = expected ? reasonsOnEscalations : reasonsOnFalseEscalations;
    for (const code of reasons) tally[code] = (tally[code] ?? 0) + 1;
  }
  return {
    precision: round(ratio(truePositives, truePositives + falsePositives)),
    recall: round(ratio(truePositives, truePositives + falseNegatives)),
    truePositives,
    falsePositives,
    falseNegatives,
    reasonsOnEscalations,
    reasonsOnFalseEscalations,
  };
}

function formatReport(report: EvalReport): string {
  const lines = [
    `model ${report.model} on ${report.file}`,
    `rows ${report.rows} (${report.rowsWithKnownLabel} with a label the model knows)`,
    `accuracy ${percent(report.accuracy)}   macro-F1 ${percent(report.macroF1)}   ` +
      `calibration error ${report.expectedCalibrationError ?? 'n/a'}   ${report.messagesPerSecond} messages/s`,
  ];
  const classes = Object.entries(report.perClass);
  if (classes.length > 0) {
    const width = Math.max(5, ...classes.map(([label]) => label.length));
    lines.push('', `${'label'.padEnd(width)}  precision  recall     f1  support`);
    for (const [label, m] of classes) {
      lines.push(
        `${label.padEnd(width)}  ${percent(m.precision).padStart(9)}  ${percent(m.recall).padStart(6)}  ` +
          `${percent(m.f1).padStart(6)}  ${String(m.support).padStart(7)}`,
      );
    }
  }
  if (report.confusions.length > 0) {
    lines.push('', 'most common confusions (label -> predicted):');
    for (const c of report.confusions) lines.push(`  ${String(c.count).padStart(4)}  ${c.label} -> ${c.predicted}`);
  }
  const e = report.escalation;
  if (e) {
    const tally = (counts: Record<string, number>): string =>
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ') || 'none';
    lines.push(
      '',
      `escalation (must go to a person: ${e.labels.join(', ')})`,
      `  precision ${percent(e.precision)}   recall ${percent(e.recall)}   ` +
        `(${e.truePositives} right, ${e.falsePositives} escalated needlessly, ${e.falseNegatives} missed)`,
      `  rules fired on rows that must escalate: ${tally(e.reasonsOnEscalations)}`,
      `  rules fired on rows that must not:      ${tally(e.reasonsOnFalseEscalations)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

class UsageError extends Error {}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function round(x: number): number {
  return Number(x.toFixed(4));
}

function percent(fraction: number | null): string {
  return fraction === null ? 'n/a' : `${(fraction * 100).toFixed(2)}%`;
}

main().catch((err: unknown) => {
  const misused = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (misused) process.stderr.write(`${USAGE}\n`);
  process.exitCode = misused ? 2 : 1;
});
