import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../../app/logger';
import { formatCsv, readLabelledRows } from '../../ai/csv';
import { ensureRetrainingSchedule } from '../../workers/retraining-schedule';
import { agents, customer, startTandem, testEnv, type Tandem } from '../support/harness';

// The learning loop end to end, on small training sets so that each model trains in under a second:
// a base model that has never seen "track_refund" is promoted; agents confirm that category on
// real conversations and correct an answer; the retraining workflow learns it, is promoted, and the
// next conversation is classified by it. A candidate trained on scrambled labels is not promoted.

const BITEXT = path.resolve(__dirname, '../../../shared/datasets/bitext_customer_support/intent_detection/Bitext_Sample_Customer_Service_Training_Dataset.csv');
const BASE_INTENTS = ['track_order', 'delivery_options', 'check_invoice', 'create_account', 'recover_password', 'check_payment_methods', 'change_shipping_address', 'newsletter_subscription'];
const NEW_INTENT = 'track_refund';
const ROWS_PER_INTENT = 30;

const all = readLabelledRows(readFileSync(BITEXT, 'utf8'), 'utterance', 'intent');
const rowsOf = (intent: string) => all.texts.filter((_, i) => all.labels[i] === intent);
const baseRows = BASE_INTENTS.flatMap((intent) => rowsOf(intent).slice(0, ROWS_PER_INTENT).map((text) => [text, intent]));
const baseCsv = formatCsv([['utterance', 'intent'], ...baseRows]);
/** Every label moved to the next intent's: a model trained on it is confidently wrong. */
const scrambledCsv = formatCsv([
  ['utterance', 'intent'],
  ...baseRows.map(([text, intent]) => [text as string, BASE_INTENTS[(BASE_INTENTS.indexOf(intent as string) + 1) % BASE_INTENTS.length] as string]),
]);
const refundQuestions = rowsOf(NEW_INTENT).filter((t) => !/\d/.test(t)).slice(0, 8);

const workDir = mkdtempSync(path.join(tmpdir(), 'tandem-learning-'));
const baseFile = path.join(workDir, 'base.csv');
writeFileSync(baseFile, baseCsv);

let tandem: Tandem;
const operator = () => tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
const dana = agents[0]!.token;

beforeAll(async () => {
  tandem = await startTandem({
    env: testEnv({ TANDEM_TRAINING_CSV: baseFile, TANDEM_TRAINING_TEXT_COLUMN: 'utterance', TANDEM_MODEL_CHECK_MS: '200', TANDEM_EXPORT_DIR: path.join(workDir, 'exports') }),
  });
}, 120_000);

afterAll(async () => {
  await tandem?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function ask(text: string) {
  const messageId = `m-${randomUUID()}`;
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer(), firstMessage: { messageId, text } } });
  expect(started.status).toBe(201);
  const { conversationId, outcome } = started.body;
  const stored = await until('the classified message in the read model', async () => {
    const m = await tandem.runtime.models.Message.findById(`${conversationId}:${messageId}`).lean();
    return m?.classification?.modelVersion ? m : undefined;
  });
  return { conversationId, messageId, outcome, classification: stored.classification! };
}

async function train(csv: string, name: string): Promise<{ modelId: string; datasetId: string }> {
  const started = await tandem.call('POST', '/v1/models/train', { token: operator(), body: { csv, textColumn: 'utterance', labelColumn: 'intent', name } });
  expect(started.status).toBe(202);
  const done = await until('the training', async () => {
    const res = await tandem.call('GET', `/v1/models/training/${started.body.trainingId}`, { token: operator() });
    return res.body.status === 'running' ? undefined : res.body;
  });
  expect(done.status).toBe('completed');
  return { modelId: done.modelId, datasetId: started.body.datasetId };
}

async function retrain(body: object) {
  const started = await tandem.call('POST', '/v1/models/retrain', { token: operator(), body });
  expect(started.status).toBe(202);
  const done = await until('the retraining', async () => {
    const res = await tandem.call('GET', `/v1/models/retraining/${encodeURIComponent(started.body.retrainingId)}`, { token: operator() });
    return res.body.status === 'running' ? undefined : res.body;
  }, 120_000);
  expect(done.status).toBe('completed');
  return done;
}

describe('knowledge base', () => {
  test('when an article is added, then the next AI answer cites it; when it is retired, then no answer does', async () => {
    const question = 'which payment methods do you accept, do you take zorblax vouchers?';
    const added = await tandem.call('POST', '/v1/knowledge', {
      token: operator(),
      body: { title: 'Zorblax vouchers', questions: ['Can I pay with zorblax vouchers?', 'do you take zorblax vouchers'], body: 'Yes, zorblax vouchers are accepted at checkout.', category: 'billing', intent: 'check_payment_methods' },
    });
    expect(added.status).toBe(201);
    const articleId = added.body.id as string;
    await sleep(2_100); // the workers' retrieval cache checks the knowledge revision every 2 s

    const before = await ask(question);
    const retired = await tandem.call('POST', `/v1/knowledge/${articleId}/retire`, { token: operator() });
    await sleep(2_100);
    const after = await ask(question);
    const listed = await tandem.call('GET', '/v1/knowledge?status=retired', { token: operator() });

    expect(before.outcome.reply.citations).toContain(articleId);
    expect(before.outcome.reply.text).toContain('zorblax vouchers are accepted');
    expect(retired.body.status).toBe('retired');
    expect(after.outcome.reply.citations ?? []).not.toContain(articleId);
    expect(listed.body.articles.map((a: { id: string }) => a.id)).toContain(articleId);
  }, 120_000);

  test('when an article names an unknown category, then it is refused', async () => {
    const res = await tandem.call('POST', '/v1/knowledge', { token: operator(), body: { title: 't', questions: ['q'], body: 'b', category: 'nope' } });
    expect(res.status).toBe(422);
  });
});

describe('learning loop', () => {
  let baseModel: string;
  let retrained: string;

  test('when agents confirm a category the model lacks and retraining runs, then a better model is promoted and classifies the next conversation', async () => {
    // Arrange: a promoted model that has never seen track_refund.
    baseModel = (await train(baseCsv, 'base-no-refunds')).modelId;
    expect((await tandem.call('POST', `/v1/models/${baseModel}/promote`, { token: operator() })).status).toBe(200);
    await sleep(600);
    const refunds = [];
    for (const text of refundQuestions) refunds.push(await ask(text));
    const answered = await ask('I forgot my password, how do I recover it?');

    // Act: agents confirm categories and correct an answer; retraining runs on demand.
    for (const r of refunds) {
      const confirmed = await tandem.call('POST', '/v1/feedback/category', {
        token: dana,
        body: { conversationId: r.conversationId, messageId: r.messageId, category: 'order_status', intent: NEW_INTENT },
      });
      expect(confirmed.status).toBe(201);
      expect(confirmed.body.modelVersion).toBe(baseModel);
    }
    const flagged = await tandem.call('POST', '/v1/feedback', {
      token: dana,
      body: { conversationId: answered.conversationId, messageId: answered.outcome.reply.id, kind: 'outdated', correctedAnswer: 'Use the new "Forgot password" link on the sign-in page.', comment: 'page moved' },
    });
    const run = await retrain({});
    await sleep(600);
    const next = await ask(refundQuestions[0] as string);

    // Assert
    expect(refunds.every((r) => r.classification.modelVersion === baseModel)).toBe(true);
    expect(flagged.status).toBe(201);
    expect(flagged.body.modelVersion).toBe(baseModel);
    expect(run.decision).toBe('promoted');
    expect(run.comparison.currentId).toBe(baseModel);
    // a third of the confirmations judge the candidate instead of training it
    expect(run.candidate.feedbackExamples + run.candidate.heldBackExamples).toBe(refundQuestions.length);
    expect(run.comparison.confirmed.examples).toBe(run.candidate.heldBackExamples);
    expect(run.candidate.heldBackExamples).toBeGreaterThan(0);
    expect(run.comparison.confirmed.candidate).toBeGreaterThan(run.comparison.confirmed.current);
    expect(run.comparison.development.examples).toBeGreaterThanOrEqual(300);
    expect(run.comparison.development.candidate).toBeGreaterThanOrEqual(run.comparison.development.current - 0.005);
    retrained = run.promotedModelId;
    expect(retrained).toBe(run.candidate.modelId);
    const models = await tandem.call('GET', '/v1/models', { token: operator() });
    expect(models.body.promoted).toBe(retrained);
    expect(next.classification.modelVersion).toBe(retrained);
    expect(next.classification.intent).toBe(NEW_INTENT);
    // corrected answers wait for review as drafts; the examples are exported for fine-tuning
    expect(run.draftsProposed).toBe(1);
    const drafts = await tandem.call('GET', '/v1/knowledge?status=draft', { token: operator() });
    expect(drafts.body.articles.map((a: { body: string }) => a.body)).toContain('Use the new "Forgot password" link on the sign-in page.');
    expect(existsSync(run.export.file)).toBe(true);
    const lines = readFileSync(run.export.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(run.export.examples);
    expect(lines[0].messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
    const recorded = await tandem.call('GET', '/v1/models/retraining', { token: operator() });
    expect(recorded.body.runs[0].result.decision).toBe('promoted');
  }, 180_000);

  test('when the candidate is trained on scrambled labels, then it is not promoted', async () => {
    const { datasetId } = await train(scrambledCsv, 'scrambled');

    const run = await retrain({ baseDatasetId: datasetId });
    const models = await tandem.call('GET', '/v1/models', { token: operator() });

    expect(run.decision).toBe('kept-current');
    expect(run.comparison.currentId).toBe(retrained);
    expect(run.comparison.development.candidate).toBeLessThan(run.comparison.development.current - 0.005);
    expect(models.body.promoted).toBe(retrained);
  }, 180_000);
});

test('when the worker starts again with another interval and queues, then the one retraining schedule takes them', async () => {
  const connection = await Connection.connect({ address: tandem.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  const scheduleId = `retraining-schedule-test-${randomUUID()}`;
  const log = createLogger('test', 'silent');
  try {
    const queues = { taskQueue: tandem.env.TEMPORAL_TASK_QUEUE, batchTaskQueue: tandem.env.TEMPORAL_BATCH_TASK_QUEUE };
    await ensureRetrainingSchedule(client, { scheduleId, taskQueue: 'an-older-queue', batchTaskQueue: 'an-older-queue', interval: '7d', paused: true }, log);
    await ensureRetrainingSchedule(client, { scheduleId, ...queues, interval: '3d', paused: true }, log);
    const described = await client.schedule.getHandle(scheduleId).describe();

    expect(described.spec.intervals?.[0]?.every).toBe(3 * 24 * 60 * 60 * 1000);
    expect(described.action.type).toBe('startWorkflow');
    expect(described.action.type === 'startWorkflow' && described.action.workflowType).toBe('retrainingWorkflow');
    expect(described.action.type === 'startWorkflow' && described.action.taskQueue).toBe(queues.taskQueue);
    expect(described.action.type === 'startWorkflow' && described.action.args).toEqual([{ windowDays: 3, batchTaskQueue: queues.batchTaskQueue }]);
  } finally {
    await client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    await connection.close();
  }
});

test('when the shipped default model (about 8 MB) is stored as a version, then it reads back identical', async () => {
  const { storeModelVersion, readModelVersion } = await import('../../db/model-versions');
  const document = JSON.parse(readFileSync(path.resolve(__dirname, '../../models/default.json'), 'utf8'));

  await storeModelVersion(tandem.runtime.models, document, { kind: 'command' });
  const stored = await readModelVersion(tandem.runtime.models, document.id);

  expect(JSON.stringify(stored)).toEqual(JSON.stringify(document));
});
