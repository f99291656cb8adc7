import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WHAT_IF_CHART_SIZE } from '../../report/what-if-chart';
import { pngSize } from '../support/png-size';
import type { SupportConfig } from '../../config/schema';
import { writeConversationProjection } from '../../db/conversations';
import { agents, customer, startTandem, type Tandem } from '../support/harness';
import {
  CANDIDATE_KEYWORD,
  DEFAULT_KEYWORD,
  DEFAULT_LOW_CONFIDENCE,
  firstEscalation,
  generateRecordedConversations,
  recordedProjection,
  type GeneratedConversation,
} from '../support/recorded-conversations';

// The decision record and the what-if through the real API, worker and database: 240 recorded
// conversations written through the read-model layer the workflows use, then candidate
// configurations replayed over them, checked against an independent account of the recording.

const RECORDED = 240;
/** The recorded conversations were all created before this; the live ones of this file after it. */
const RECORDED_UNTIL = '2026-11-24T00:00:00.000Z';
const defaultConfig = (): SupportConfig => JSON.parse(readFileSync(join(__dirname, '../../config/support.default.json'), 'utf8')) as SupportConfig;
const dana = agents[0]!;

let tandem: Tandem;
let operatorKey: string;
let conversations: GeneratedConversation[];

beforeAll(async () => {
  tandem = await startTandem();
  operatorKey = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  conversations = generateRecordedConversations(RECORDED);
  for (const { recorded } of conversations) {
    await writeConversationProjection(tandem.runtime.models, recordedProjection(recorded));
  }
}, 120_000);

afterAll(async () => {
  await tandem?.stop();
});

const whatIf = (config: SupportConfig) =>
  tandem.call('POST', '/v1/policies/what-if', { token: operatorKey, body: { config, last: 1000, until: RECORDED_UNTIL } });
const changedIds = (body: { changes: Array<{ conversationId: string }> }) => body.changes.map((c) => c.conversationId).sort();
const recordedEscalation = (c: GeneratedConversation) => firstEscalation(c.facts, (m) => m.confidence < DEFAULT_LOW_CONFIDENCE || m.keyword === DEFAULT_KEYWORD);

describe('what-if over 240 recorded conversations', () => {
  test('when the candidate is the active configuration, then it replays every recorded conversation and reports no change', async () => {
    const response = await whatIf(defaultConfig());

    expect(response.status).toBe(200);
    expect(response.body.conversations).toBe(RECORDED);
    expect(response.body.changes).toEqual([]);
    expect(response.body.totals.containment.after).toBe(response.body.totals.containment.before);
  });

  test('when lowConfidence falls from 0.35 to 0.2, then exactly the conversations whose recorded confidence made the difference change', async () => {
    const candidate = defaultConfig();
    candidate.escalation.lowConfidence = 0.2;

    const response = await whatIf(candidate);

    const expected = conversations
      .filter((c) => recordedEscalation(c) !== firstEscalation(c.facts, (m) => m.confidence < 0.2 || m.keyword === DEFAULT_KEYWORD))
      .map((c) => c.recorded.conversationId);
    expect(expected.length).toBeGreaterThan(10);
    expect(changedIds(response.body)).toEqual(expected.sort());
    expect(response.body.totals.containment.after).toBeGreaterThan(response.body.totals.containment.before);
  });

  test('when a keyword is added, then exactly the conversations with it in a message the AI answered change', async () => {
    const candidate = defaultConfig();
    candidate.escalation.keywords.push(CANDIDATE_KEYWORD);

    const response = await whatIf(candidate);

    const expected = conversations.filter((c) => {
      const keywordAt = firstEscalation(c.facts, (m) => m.keyword === CANDIDATE_KEYWORD);
      const before = recordedEscalation(c);
      return keywordAt !== undefined && (before === undefined || keywordAt < before);
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(changedIds(response.body)).toEqual(expected.map((c) => c.recorded.conversationId).sort());
  });

  test('when the CLI is given a candidate file, then it prints the changed conversations and totals and writes the chart', async () => {
    const candidate = defaultConfig();
    candidate.escalation.lowConfidence = 0.2;
    const dir = mkdtempSync(join(tmpdir(), 'tandem-what-if-'));
    writeFileSync(join(dir, 'candidate.json'), JSON.stringify(candidate));

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/what-if.ts', '--config', join(dir, 'candidate.json'), '--out', dir], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TANDEM_URL: tandem.api.url, TANDEM_OPERATOR_KEY: operatorKey },
    });

    expect(stdout).toMatch(/200 recorded conversations replayed; \d+ change outcome/);
    expect(stdout).toMatch(/escalated_later|no_longer_escalated/);
    expect(stdout).toMatch(/containment +\d+\.\d% → \d+\.\d%/);
    expect(pngSize(readFileSync(join(dir, 'what-if.png')))).toEqual(WHAT_IF_CHART_SIZE);
  }, 60_000);

  test('when the candidate names a queue it does not define, then it is refused with invalid_policy; when it is not a configuration, with invalid_request', async () => {
    const incoherent = defaultConfig();
    incoherent.categories[0]!.queue = 'nowhere';

    const refused = await whatIf(incoherent);
    const malformed = await tandem.call('POST', '/v1/policies/what-if', { token: operatorKey, body: { config: { brand: {} } } });

    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('invalid_policy');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_request');
  });
});

describe('decision records and policy versions', () => {
  test('when a conversation is handed over, then its decision record says why, for the operator and the agent on the task, and not for an agent without one', async () => {
    const handed = await startWith('where is my order 1234?');
    await tandem.call('POST', `/v1/conversations/${handed.conversationId}/messages`, { token: handed.token, body: { messageId: 'm2', text: 'can I talk to a person' } });
    const answeredOnly = await startWith('hello');
    await waitForTask(handed.conversationId);

    const asOperator = await decisions(handed.conversationId, operatorKey);
    const asAgent = await decisions(handed.conversationId, dana.token);
    const agentWithoutTask = await decisions(answeredOnly.conversationId, dana.token);

    expect(asOperator.status).toBe(200);
    expect(asAgent.body).toEqual(asOperator.body);
    const [first, second] = asOperator.body.decisions;
    expect(first).toMatchObject({ messageId: 'm1', recorded: true, model: { version: expect.any(String), intent: expect.any(String) } });
    expect(first.rules).toHaveLength(10);
    expect(second.rules.find((rule: { rule: string }) => rule.rule === 'human_request')).toMatchObject({ fired: true, threshold: 'human_request' });
    expect(second.outcome).toMatchObject({ kind: 'handoff', reasons: [expect.objectContaining({ code: 'human_request' })], queue: expect.any(String) });
    expect(agentWithoutTask.status).toBe(404);
  });

  test('when a version is activated and another rolled back to, then new conversations run the active one, running ones keep theirs, and every change is logged', async () => {
    const before = await startWith('where is my order 1234?');
    const lower = defaultConfig();
    lower.escalation.lowConfidence = 0.2;
    const keyword = defaultConfig();
    keyword.escalation.keywords.push(CANDIDATE_KEYWORD);

    const first = await tandem.call('PUT', '/v1/policies', { token: operatorKey, body: { config: lower, note: 'fewer low-confidence handoffs' } });
    const after = await startWith('where is my order 1234?');
    const second = await tandem.call('PUT', '/v1/policies', { token: operatorKey, body: { config: keyword } });
    const rollback = await tandem.call('POST', '/v1/policies/1/activate', { token: operatorKey });
    const missing = await tandem.call('POST', '/v1/policies/99/activate', { token: operatorKey });
    const listed = await tandem.call('GET', '/v1/policies', { token: operatorKey });
    await tandem.call('POST', `/v1/conversations/${before.conversationId}/messages`, { token: before.token, body: { messageId: 'm2', text: 'and my invoice?' } });

    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, whatIf: { conversations: expect.any(Number), changed: expect.any(Number) } });
    expect(second.body.version).toBe(2);
    expect(rollback.body).toEqual({ version: 1, active: true });
    expect(missing.status).toBe(404);
    expect(listed.body.active).toBe(1);
    expect(listed.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(listed.body.changes.map((c: { kind: string; version: number; previous?: number }) => [c.kind, c.version, c.previous])).toEqual([
      ['rollback', 1, 2],
      ['activate', 2, 1],
      ['activate', 1, undefined],
    ]);
    expect(await lowConfidenceThresholds(before.conversationId)).toEqual([0.35, 0.35]);
    expect(await lowConfidenceThresholds(after.conversationId)).toEqual([0.2]);
  });
});

async function startWith(text: string): Promise<{ conversationId: string; token: string }> {
  const started = await tandem.call('POST', '/v1/conversations', { body: { customer: customer(), firstMessage: { messageId: 'm1', text } } });
  return started.body;
}

function decisions(conversationId: string, token: string) {
  return tandem.call('GET', `/v1/conversations/${conversationId}/decisions`, { token });
}

async function lowConfidenceThresholds(conversationId: string): Promise<number[]> {
  const record = await decisions(conversationId, operatorKey);
  return record.body.decisions.map((d: { rules: Array<{ rule: string; threshold: number }> }) => d.rules.find((r) => r.rule === 'low_confidence')?.threshold);
}

/** The task read model trails the workflow by a moment. */
async function waitForTask(conversationId: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if ((await tandem.runtime.models.Task.countDocuments({ conversationId })) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no task projected for ${conversationId}`);
}
