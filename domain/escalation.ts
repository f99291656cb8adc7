import type { SupportConfig } from '../config/schema';
import { similarity, wordMatch } from './text';
import type { Classification, CustomerProfile, EscalationReason, TranscriptMessage } from './types';

// Each trigger is a pure rule that returns its reason or nothing; every threshold comes from the
// business's configuration. `llm_failure` and `customer_request` are decided by the workflow.

/** What the escalation rules look at for one new customer message. */
export interface EscalationInput {
  config: SupportConfig;
  customer: CustomerProfile;
  /** The conversation so far, before this message. */
  transcript: TranscriptMessage[];
  message: { text: string; classification: Classification };
}

/**
 * What one rule saw and concluded: the value it looked at, the threshold it compared it with, and
 * the reason it gives when it fires. The decision record keeps these, so "why was this handed
 * over?" is answered from what ran, not recomputed.
 */
export interface RuleCheck {
  rule: string;
  input: string | number | boolean | null;
  threshold: string | number | null;
  fired: boolean;
  reason?: EscalationReason;
}

export type EscalationRule = (input: EscalationInput) => RuleCheck;

/** A rule's check, firing with `reason` when there is one. */
function check(rule: string, input: RuleCheck['input'], threshold: RuleCheck['threshold'], reason: EscalationReason | undefined): RuleCheck {
  return reason ? { rule, input, threshold, fired: true, reason } : { rule, input, threshold, fired: false };
}

/** The category a customer picks by asking for a person; it has its own reason code. */
export const HUMAN_REQUEST_CATEGORY = 'human_request';
/** The intent of "that didn't work" / "still broken": the AI's help failed. */
export const NOT_RESOLVED_INTENT = 'not_resolved';
/** The intent of messages about nothing this business handles. */
export const OUT_OF_SCOPE_INTENT = 'oos';

export function isVeryNegative(sentiment: number, config: SupportConfig): boolean {
  return sentiment <= config.escalation.veryNegativeSentiment;
}

export function isHighValueCustomer(customer: CustomerProfile, config: SupportConfig): boolean {
  const { lifetimeValueAtLeast, tiers } = config.escalation.highValue;
  const tier = customer.tier?.toLowerCase();
  return (
    (customer.lifetimeValue !== undefined && customer.lifetimeValue >= lifetimeValueAtLeast) ||
    (tier !== undefined && tiers.some((candidate) => candidate.toLowerCase() === tier))
  );
}

export const humanRequestRule: EscalationRule = ({ message }) => {
  const { category } = message.classification;
  return check('human_request', category, HUMAN_REQUEST_CATEGORY, category === HUMAN_REQUEST_CATEGORY ? { code: 'human_request' } : undefined);
};

export const categoryRule: EscalationRule = ({ config, message }) => {
  const id = message.classification.category;
  const category = config.categories.find((candidate) => candidate.id === id);
  const fires = category !== undefined && category.handling === 'human' && id !== HUMAN_REQUEST_CATEGORY;
  return check('category', id, category?.handling ?? null, fires ? { code: `category:${id}`, detail: category.label } : undefined);
};

export const keywordRule: EscalationRule = ({ config, message }) => {
  const matched = config.escalation.keywords.filter((keyword) => wordMatch(message.text, keyword));
  // The customer's words stay out of the record: only which configured keywords matched.
  return check('keyword', matched.join(', ') || null, config.escalation.keywords.join(', '), matched.length > 0 ? { code: 'keyword', detail: matched.join(', ') } : undefined);
};

export const sentimentRule: EscalationRule = ({ config, message }) => {
  const { sentiment } = message.classification;
  const threshold = config.escalation.veryNegativeSentiment;
  return check('sentiment', sentiment, threshold, isVeryNegative(sentiment, config) ? { code: 'sentiment', detail: sentiment.toFixed(2) } : undefined);
};

/**
 * Fires when the customer's mood fell by at least `drop` over the last `window` customer messages
 * (this one included) and this message is negative. The fall is measured from the best moment in
 * the window, so "fine, fine, annoyed" and "fine, annoyed, more annoyed" both count.
 */
export const sentimentTrendRule: EscalationRule = ({ config, transcript, message }) => {
  const { window, drop } = config.escalation.negativeTrend;
  const current = message.classification.sentiment;
  const earlier = customerMessages(transcript)
    .flatMap((previous) => (previous.classification ? [previous.classification.sentiment] : []))
    .slice(-(window - 1));
  if (current >= 0 || earlier.length === 0) return check('sentiment_trend', null, drop, undefined);
  const fall = Math.max(...earlier) - current;
  const detail = `${Math.max(...earlier).toFixed(2)} → ${current.toFixed(2)}`;
  return check('sentiment_trend', Number(fall.toFixed(4)), drop, fall >= drop ? { code: 'sentiment_trend', detail } : undefined);
};

/**
 * Fires when the customer has now asked the same thing `repeat.count` times. Two messages ask the
 * same thing when the classifier, confident about both, gives them the same intent, or, unless it
 * is confident they differ, when their texts are at least `repeat.similarity` alike.
 */
export const repeatRule: EscalationRule = ({ config, transcript, message }) => {
  const { count, similarity: alike } = config.escalation.repeat;
  const confident = (classification?: Classification): classification is Classification =>
    classification !== undefined && classification.confidence >= config.escalation.lowConfidence;
  const asksSameThing = (previous: TranscriptMessage): boolean => {
    if (confident(previous.classification) && confident(message.classification)) {
      return previous.classification.intent === message.classification.intent;
    }
    return similarity(previous.text, message.text) >= alike;
  };
  const times = 1 + customerMessages(transcript).filter(asksSameThing).length;
  return check('repeat', times, count, times >= count ? { code: 'repeat', detail: `asked ${times} times` } : undefined);
};

export const unresolvedRule: EscalationRule = ({ transcript, message }) => {
  const { intent } = message.classification;
  if (intent !== NOT_RESOLVED_INTENT) return check('unresolved', intent, NOT_RESOLVED_INTENT, undefined);
  const lastAnswer = [...transcript].reverse().find((entry) => entry.role === 'ai');
  const detail = lastAnswer?.citations?.length ? `after ${lastAnswer.citations.join(', ')}` : undefined;
  return check('unresolved', intent, NOT_RESOLVED_INTENT, { code: 'unresolved', detail });
};

/** A message clearly written in a language the AI does not answer goes to a person. */
export const languageRule: EscalationRule = ({ config, message }) => {
  const { language } = message.classification;
  // Configurations passed to workflows before languages existed have none (nor had their messages a language).
  const languages = (config as Partial<SupportConfig>).languages ?? [];
  const fires = language !== undefined && !languages.includes(language);
  return check('language', language ?? null, languages.join(', ') || null, fires ? { code: 'language', detail: language } : undefined);
};

export const highValueRule: EscalationRule = ({ config, customer, message }) => {
  const inCategory = config.escalation.highValue.categories.includes(message.classification.category);
  const highValue = isHighValueCustomer(customer, config);
  return check('high_value', highValue, config.escalation.highValue.categories.join(', '), inCategory && highValue ? { code: 'high_value' } : undefined);
};

export const lowConfidenceRule: EscalationRule = ({ config, message }) => {
  const { confidence } = message.classification;
  const threshold = config.escalation.lowConfidence;
  return check('low_confidence', confidence, threshold, confidence < threshold ? { code: 'low_confidence', detail: confidence.toFixed(2) } : undefined);
};

/**
 * The rules in reporting order: what the customer asked for or is about first, then how they
 * feel, then how the conversation went, then who they are, and the model's doubt last.
 */
export const ESCALATION_RULES: readonly EscalationRule[] = [
  humanRequestRule,
  languageRule,
  categoryRule,
  unresolvedRule,
  keywordRule,
  sentimentRule,
  sentimentTrendRule,
  repeatRule,
  highValueRule,
  lowConfidenceRule,
];

/** Every rule's check for this message, in reporting order. */
export function escalationChecks(input: EscalationInput): RuleCheck[] {
  return ESCALATION_RULES.map((rule) => rule(input));
}

/** The reasons of the rules that fired, in a stable order; empty means the AI may answer. */
export function reasonsOf(checks: readonly RuleCheck[]): EscalationReason[] {
  return checks.flatMap((ruleCheck) => (ruleCheck.reason ? [ruleCheck.reason] : []));
}

/** Every rule that fires for this message, in a stable order; empty means the AI may answer. */
export function escalationReasons(input: EscalationInput): EscalationReason[] {
  return reasonsOf(escalationChecks(input));
}

function customerMessages(transcript: TranscriptMessage[]): TranscriptMessage[] {
  return transcript.filter((entry) => entry.role === 'customer');
}
