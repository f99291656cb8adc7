import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { supportConfigSchema } from '../config/schema';
import defaultConfig from '../config/support.default.json';
import { parseCsvRecords, readLabelledRows } from '../ai/csv';
import { trainClassifier } from '../ai/embedded/classifier';
import { categoryForLabel } from '../ai/embedded/provider';
import { writeModelFile } from '../ai/model-store';
import type { KnowledgeArticle } from '../domain/types';

// npm run build:model
// Rebuilds what ships with the product from the Bitext data: the default intent model
// (models/default.json) and the demo knowledge base (data/knowledge-seed.json). Same data, same
// output, byte for byte. TANDEM_DATASETS points at another copy of the datasets folder.

const REPO = path.resolve(__dirname, '..');
const DATASETS = process.env.TANDEM_DATASETS ?? path.resolve(REPO, '..', 'shared', 'datasets');
const BITEXT = path.join(DATASETS, 'bitext_customer_support');
const INTENT_TRAIN = path.join(BITEXT, 'intent_detection', 'Bitext_Sample_Customer_Service_Training_Dataset.csv');
const QA = path.join(BITEXT, 'llm_qa', 'Bitext_Sample_Customer_Support_Training_Dataset.csv');
const LICENCE = path.join(BITEXT, 'LICENSE-CDLA-Sharing-1.0.txt');

const MODEL_NAME = 'bitext-default';
const MODEL_SEED = 1;
/** Stamped into the model instead of the clock, so a rebuild is identical; bump with the recipe. */
const MODEL_DATE = new Date('2026-11-26T00:00:00Z');

const TITLES: Record<string, string> = {
  cancel_order: 'Cancel an order',
  change_order: 'Change an order',
  change_shipping_address: 'Change the shipping address',
  check_cancellation_fee: 'Cancellation fees',
  check_invoice: 'Check an invoice',
  check_payment_methods: 'Payment methods we accept',
  check_refund_policy: 'Refund policy',
  complaint: 'Make a complaint',
  contact_customer_service: 'Contact customer service',
  contact_human_agent: 'Talk to a person',
  create_account: 'Create an account',
  delete_account: 'Delete your account',
  delivery_options: 'Delivery options',
  delivery_period: 'Delivery times',
  edit_account: 'Edit your account details',
  get_invoice: 'Get an invoice',
  get_refund: 'Get a refund',
  newsletter_subscription: 'Newsletter subscription',
  payment_issue: 'Problems with a payment',
  place_order: 'Place an order',
  recover_password: 'Recover your password',
  registration_problems: 'Problems signing up',
  review: 'Leave a review or feedback',
  set_up_shipping_address: 'Set up a shipping address',
  switch_account: 'Switch accounts',
  track_order: 'Track an order',
  track_refund: 'Track a refund',
};

async function main(): Promise<void> {
  const config = supportConfigSchema.parse(defaultConfig);

  const { texts, labels } = readLabelledRows(await readFile(INTENT_TRAIN, 'utf8'), 'utterance', 'intent');
  const model = trainClassifier(texts, labels, { name: MODEL_NAME, seed: MODEL_SEED, createdAt: MODEL_DATE });
  const modelFile = await writeModelFile(path.join(REPO, 'models', 'default.json'), model);

  const { records } = parseCsvRecords(await readFile(QA, 'utf8'));
  const byIntent = new Map<string, Array<Record<string, string>>>();
  for (const record of records) {
    const intent = record.intent ?? '';
    if (intent === '') continue;
    byIntent.set(intent, [...(byIntent.get(intent) ?? []), record]);
  }
  const articles: KnowledgeArticle[] = [...byIntent.keys()].sort().map((intent) => {
    const rows = byIntent.get(intent) ?? [];
    return {
      id: `kb-${intent}-1`,
      title: TITLES[intent] ?? intent.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
      questions: uniqueQuestions(rows.map((row) => row.instruction ?? '')),
      body: representativeAnswer(rows),
      category: categoryForLabel(intent, config),
      intent,
    };
  });
  const dataDir = path.join(REPO, 'data');
  await mkdir(dataDir, { recursive: true });
  const seed = {
    source: 'Bitext customer-support LLM chatbot training dataset (llm_qa), commit cf857859',
    licence: 'CDLA-Sharing-1.0, see LICENSE-Bitext-CDLA-Sharing-1.0.txt',
    articles,
  };
  await writeFile(path.join(dataDir, 'knowledge-seed.json'), `${JSON.stringify(seed, null, 2)}\n`);
  // Copied by content, not with copyFile: the source is read-only and its mode would come along.
  await writeFile(path.join(dataDir, 'LICENSE-Bitext-CDLA-Sharing-1.0.txt'), await readFile(LICENCE));

  process.stdout.write(
    [
      `model ${model.id} -> ${path.relative(REPO, modelFile)}`,
      `  ${model.labels.length} intents, ${model.metrics.trainingExamples} training rows, ` +
        `${model.metrics.calibrationExamples} calibration rows, temperature ${model.temperature}, ` +
        `calibration ECE ${model.metrics.expectedCalibrationError}`,
      `knowledge seed -> data/knowledge-seed.json (${articles.length} articles, ` +
        `${articles.reduce((n, article) => n + article.questions.length, 0)} questions)`,
    ].join('\n') + '\n',
  );
}

function uniqueQuestions(questions: string[]): string[] {
  const seen = new Set<string>();
  return questions
    .map((question) => question.trim())
    .filter((question) => {
      const key = question.toLowerCase();
      if (question === '' || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The intent's most useful generic answer: no amounts, long numbers or the asker's own details;
 * fewest placeholders tied to one customer's order; steps the customer can follow rather than a
 * request for details the assistant cannot act on; then the wording most shared with the
 * intent's other answers (the mean, over its distinct words, of how many answers use that word),
 * which passes over answers about one city, month or payment brand.
 */
function representativeAnswer(rows: Array<Record<string, string>>): string {
  const flat = (text: string): string => ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
  // The dataset's answers mix Windows and Unix line ends; customers should see one kind.
  const responseOf = (row: Record<string, string>): string => (row.response ?? '').replace(/\r\n?/g, '\n').trim();
  const answers = rows.map(responseOf).filter((text) => text !== '');
  const general = rows.filter((row) => (row.entity_type ?? '') === '').map(responseOf);
  // A value some customer of this intent gave ("Gold" account, "Ms. Hawkings") marks an answer as
  // theirs, unless it is everyday wording most answers use anyway ("free" as in "feel free").
  const details = [...new Set(rows.map((row) => flat(row.entity_value ?? '')))]
    .filter((detail) => detail.trim().length >= 3)
    .filter((detail) => answers.filter((text) => flat(text).includes(detail)).length < answers.length / 5);
  const literal = (text: string): boolean => /\$|\d{3,}/.test(text) || details.some((detail) => flat(text).includes(detail));
  const candidates = (general.length >= 5 ? general : answers).filter((text) => text !== '');
  const usable = candidates.filter((text) => !literal(text));
  const pool = usable.length > 0 ? usable : candidates;
  const specifics = (text: string): number =>
    (text.match(/\{\{(?![^}]*(Phone|Support|Service))[^}]*(Anonymi[sz]ed|Number|\bID\b)[^}]*\}\}/gi) ?? []).length;
  const wordsOf = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z]{3,}/g) ?? []);
  const answersUsing = new Map<string, number>();
  for (const text of pool) for (const word of wordsOf(text)) answersUsing.set(word, (answersUsing.get(word) ?? 0) + 1);
  const commonness = (text: string): number => {
    const words = [...wordsOf(text)];
    return words.reduce((sum, word) => sum + (answersUsing.get(word) ?? 0), 0) / Math.max(1, words.length);
  };
  const ranked = pool
    .map((text, i) => ({
      text,
      specifics: specifics(text),
      steps: /^\s*1\.\s/m.test(text) ? 1 : 0,
      commonness: commonness(text),
      i,
    }))
    .sort((a, b) => a.specifics - b.specifics || b.steps - a.steps || b.commonness - a.commonness || a.i - b.i);
  return ranked[0]?.text ?? '';
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
