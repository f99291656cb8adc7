import type { SupportConfig } from '../config/schema';
import { Conversation, type Decision } from '../domain/conversation';
import { CsvError, parseCsvRecords } from './csv';
import type { Understanding } from './understanding';

// Routing judged the way a customer would notice it, on first messages: `ai:<intent>` must be
// answered citing that intent's article, `human` handed to a person, `oos` never answered with a
// cited article, `chat` answered by the AI. The same judgement serves the evaluation through the
// real API (scripts/eval-conversations.ts) and the in-process one the retraining gate runs.

export const ROUTING_KINDS = ['ai', 'human', 'oos', 'chat'] as const;
export type RoutingKind = (typeof ROUTING_KINDS)[number];

export interface RoutingCase {
  text: string;
  kind: RoutingKind;
  /** For `ai` cases, the intent the cited article must be written for. */
  intent?: string;
}

/** What happened to a first message, as much as the judgement needs. */
export interface RoutedOutcome {
  handedOff: boolean;
  /** The AI replied (an answer, small talk, or "I don't know"), whatever the status after it. */
  aiReplied: boolean;
  /** Intents of the articles the reply cited. */
  citedIntents: string[];
  /** Intents of the actions (lookups against the business's systems) the AI answered with. */
  actionIntents: string[];
}

/** Cases from a `text,kind` CSV; a bad row is a `CsvError` naming it. */
export function parseRoutingCases(csvText: string): RoutingCase[] {
  const { columns, records } = parseCsvRecords(csvText);
  for (const wanted of ['text', 'kind']) {
    if (!columns.includes(wanted)) throw new CsvError(`no column "${wanted}" in the cases file; its columns are: ${columns.join(', ')}`);
  }
  return records.map((record, i) => {
    const row = i + 1;
    const text = record.text ?? '';
    const kind = (record.kind ?? '').trim();
    if (text.trim() === '') throw new CsvError(`case ${row}: empty text`);
    if (kind.startsWith('ai:') && kind.length > 3) return { text, kind: 'ai', intent: kind.slice(3) };
    if (kind === 'human' || kind === 'oos' || kind === 'chat') return { text, kind };
    throw new CsvError(`case ${row}: kind "${kind}" is none of ai:<intent>, human, oos, chat`);
  });
}

export function isRoutedRight(testCase: RoutingCase, outcome: RoutedOutcome): boolean {
  switch (testCase.kind) {
    case 'ai':
      // Answered from the business's own data is answered too: "where is my order 1001?" gets the order.
      return (
        !outcome.handedOff &&
        outcome.aiReplied &&
        (outcome.citedIntents.includes(testCase.intent as string) || outcome.actionIntents.includes(testCase.intent as string))
      );
    case 'human':
      return outcome.handedOff;
    case 'oos':
      return outcome.citedIntents.length === 0;
    case 'chat':
      return !outcome.handedOff && outcome.aiReplied;
  }
}

export interface RoutingFigures {
  cases: number;
  right: number;
  accuracy: number;
  byKind: Partial<Record<RoutingKind, { cases: number; right: number }>>;
  misses: Array<{ text: string; kind: string; decision: string }>;
}

/**
 * Routes every case as the first message of a new conversation, in process: the understanding
 * step the worker runs, then the domain's decision. No model writes an answer (the decision
 * already says which article it would come from), so it costs one understanding per case.
 */
export async function evaluateRouting(input: {
  cases: RoutingCase[];
  understanding: Understanding;
  config: SupportConfig;
  articleIntent: (articleId: string) => string | undefined;
}): Promise<RoutingFigures> {
  const { cases, understanding, config } = input;
  const figures: RoutingFigures = { cases: cases.length, right: 0, accuracy: 0, byKind: {}, misses: [] };
  for (const [n, testCase] of cases.entries()) {
    const conversation = Conversation.open({
      id: `evaluation-${n}`,
      customer: { id: 'evaluation', name: 'Dana Demo', email: 'dana@example.com' },
      config,
      at: '2026-01-05T12:00:00.000Z',
    });
    conversation.addCustomerMessage('m1', testCase.text, '2026-01-05T12:00:00.000Z');
    const decision = conversation.decide('m1', await understanding.understand({ text: testCase.text, config }), config.actions);
    const intent = decision.kind === 'answer' ? input.articleIntent(decision.articleId) : undefined;
    const outcome: RoutedOutcome = {
      handedOff: decision.kind === 'handoff',
      aiReplied: decision.kind !== 'handoff',
      citedIntents: intent === undefined ? [] : [intent],
      actionIntents: decision.kind === 'action' ? actionIntentsOf([decision.call.name], config) : [],
    };
    const tally = (figures.byKind[testCase.kind] ??= { cases: 0, right: 0 });
    tally.cases += 1;
    if (isRoutedRight(testCase, outcome)) {
      tally.right += 1;
      figures.right += 1;
    } else {
      figures.misses.push({ text: testCase.text, kind: testCase.intent ? `ai:${testCase.intent}` : testCase.kind, decision: describe(decision, intent) });
    }
  }
  figures.accuracy = cases.length === 0 ? 0 : Math.round((figures.right / cases.length) * 10_000) / 10_000;
  return figures;
}

function describe(decision: Decision, intent: string | undefined): string {
  switch (decision.kind) {
    case 'answer':
      return `answered from ${decision.articleId} (${intent ?? 'no intent'})`;
    case 'reply':
      return `replied "${decision.text.slice(0, 60)}"`;
    case 'action':
      return `ran ${decision.call.summary}`;
    case 'handoff':
      return `handed off: ${decision.reasons.map((reason) => (reason.detail ? `${reason.code} (${reason.detail})` : reason.code)).join(', ')}`;
  }
}

/** The intents the named actions serve, as the support configuration says. */
export function actionIntentsOf(actionNames: readonly string[], config: SupportConfig): string[] {
  return config.actions.filter((action) => actionNames.includes(action.name)).flatMap((action) => action.intents);
}
