import type { CategoryConfig, SupportConfig } from '../config/schema';
import { HUMAN_REQUEST_CATEGORY } from './escalation';
import { contentWords, similarity } from './text';
import type { Classification, CustomerProfile, EscalationReason, HandoffSummary, TranscriptMessage } from './types';

// What the agent sees when a conversation is handed over, built only from what the transcript
// says: this is the summary used when no model is available, so it quotes rather than invents.

/** Categories that name no problem ("get me a person", "something else"): never the issue. */
const GENERIC_CATEGORIES = new Set([HUMAN_REQUEST_CATEGORY, 'other']);
const ISSUE_EXCERPT_CHARS = 160;
const ANSWER_EXCERPT_CHARS = 120;
const ANSWERS_QUOTED = 2;
// Below this length the first message rarely states the whole issue, so the next one is added.
const SHORT_MESSAGE_CHARS = 80;

export interface FirstLineInput {
  customer: CustomerProfile;
  transcript: TranscriptMessage[];
  /** The latest customer message's classification, used when the transcript has none. */
  classification?: Classification;
  config: SupportConfig;
}

/**
 * A first line the agent can send: greets the customer by first name, restates the issue from the
 * opening messages (the order number when one was given, otherwise the category), apologises
 * when the customer is frustrated, and offers help. States nothing the customer did not say.
 */
export function suggestedFirstLine({ customer, transcript, classification, config }: FirstLineInput): string {
  const issue = openingIssue(transcript, classification, config);
  const topic = issue.category ? lowerFirst(issue.category.label) : undefined;
  const order = issue.orderNumber ? `#${issue.orderNumber}` : undefined;
  const subject =
    topic && order ? `${topic} for your order ${order}`
    : order ? `your order ${order}`
    : topic ?? 'your question';
  const mood = moodFromSentiment(customerSentiments(transcript, classification));
  const apology = mood === 'frustrated' ? " I'm sorry for the trouble." : '';
  return (
    `Hi ${firstName(customer.name)}, I've read your conversation with our assistant and I see you ` +
    `need help with ${subject}.${apology} I can help with that.`
  );
}

/**
 * The customer's mood in a word, mostly from their latest message: "frustrated" when it is very
 * negative (or negative right after a very negative one), "worried" when mildly negative,
 * "positive" when clearly positive, otherwise "neutral".
 */
export function moodFromSentiment(sentiments: number[]): string {
  const latest = sentiments[sentiments.length - 1];
  if (latest === undefined) return 'neutral';
  const worstRecent = Math.min(...sentiments.slice(-3));
  if (latest <= -0.6 || (latest < 0 && worstRecent <= -0.6)) return 'frustrated';
  if (latest <= -0.2) return 'worried';
  if (latest >= 0.3) return 'positive';
  return 'neutral';
}

export interface SummaryInput {
  transcript: TranscriptMessage[];
  customer: CustomerProfile;
  reasons: EscalationReason[];
  config: SupportConfig;
}

/** An extractive handoff summary: the customer's own opening words, the AI's answers, the mood. */
export function summarizeForHandoff({ transcript, customer, reasons, config }: SummaryInput): HandoffSummary {
  const latest = [...customerMessages(transcript)].reverse().find((message) => message.classification);
  const classification = latest?.classification;
  const issue = openingIssue(transcript, classification, config);
  const quoted = issue.excerpts.map((excerpt) => `"${excerpt}"`).join(' ');
  return {
    issue:
      quoted === '' ? 'The customer has not described an issue yet.'
      : issue.category ? `${issue.category.label}: ${quoted}`
      : quoted,
    aiTried: describeAiAttempts(transcript, reasons, config),
    mood: moodFromSentiment(customerSentiments(transcript)),
    suggestedFirstLine: suggestedFirstLine({ customer, transcript, classification, config }),
  };
}

/** A reason code in words an agent reads at a glance. */
export function describeReason(reason: EscalationReason, config: SupportConfig): string {
  if (reason.code.startsWith('category:')) {
    const id = reason.code.slice('category:'.length);
    const label = config.categories.find((category) => category.id === id)?.label ?? id;
    return `${lowerFirst(label)} is handled by people`;
  }
  switch (reason.code) {
    case 'sentiment':
      return 'a very negative message';
    case 'sentiment_trend':
      return "the customer's mood kept getting worse";
    case 'keyword':
      if (!reason.detail) return 'a watched word';
      return `said ${reason.detail.split(', ').map((word) => `"${word}"`).join(', ')}`;
    case 'repeat':
      return `the same question ${reason.detail ?? 'asked again'}`;
    case 'human_request':
    case 'customer_request':
      return 'the customer asked for a person';
    case 'low_confidence':
      return 'the assistant was unsure what was asked';
    case 'llm_failure':
      return 'the assistant was unavailable';
    case 'high_value':
      return 'a high-value customer';
    case 'missing_knowledge':
      return 'the knowledge base has no answer to this';
    case 'unresolved':
      return "the assistant's answer did not solve it";
    case 'action_failed':
      return reason.detail ? `a request to our systems failed (${reason.detail})` : 'a request to our systems failed';
    case 'action_by_person':
      return reason.detail ? `the customer asked for ${reason.detail}, which a person does` : 'the customer asked for something a person does';
    case 'language':
      return reason.detail ? `written in a language the assistant does not answer (${reason.detail})` : 'written in a language the assistant does not answer';
    default:
      return reason.code;
  }
}

/** The order number the customer gave ("#1234", "order 1234", "order number: AB-1234"), if any. */
export function findOrderNumber(text: string): string | undefined {
  const match =
    /(?:#|\b(?:order|purchase)\s*(?:(?:number|no\.?|id)\b)?\s*[:#]?\s*)([a-z]{0,4}-?\d{3,}[a-z0-9-]*)/i.exec(text);
  return match?.[1];
}

interface OpeningIssue {
  /** The first meaningful customer message, plus the next distinct one when the first is short. */
  excerpts: string[];
  category?: CategoryConfig;
  orderNumber?: string;
}

function openingIssue(
  transcript: TranscriptMessage[],
  classification: Classification | undefined,
  config: SupportConfig,
): OpeningIssue {
  const messages = customerMessages(transcript).filter((message) => contentWords(message.text).length > 0);
  const excerpts: string[] = [];
  const [first, ...rest] = messages;
  if (first) {
    excerpts.push(clip(first.text, ISSUE_EXCERPT_CHARS));
    const next = rest.find((message) => similarity(message.text, first.text) < config.escalation.repeat.similarity);
    if (next && first.text.length < SHORT_MESSAGE_CHARS) excerpts.push(clip(next.text, ISSUE_EXCERPT_CHARS));
  }
  const specific = (id: string | undefined) =>
    id !== undefined && !GENERIC_CATEGORIES.has(id)
      ? config.categories.find((category) => category.id === id)
      : undefined;
  const category =
    messages.map((message) => specific(message.classification?.category)).find((found) => found) ??
    specific(classification?.category);
  const orderNumber = messages.map((message) => findOrderNumber(message.text)).find((found) => found);
  return { excerpts, category, orderNumber };
}

function describeAiAttempts(
  transcript: TranscriptMessage[],
  reasons: EscalationReason[],
  config: SupportConfig,
): string {
  const answers = transcript.filter((message) => message.role === 'ai' && !message.internal);
  const described = reasons.map((reason) => describeReason(reason, config));
  const handedOver = described.length > 0 ? ` Handed over because: ${described.join('; ')}.` : '';
  if (answers.length === 0) return `The assistant had not answered yet.${handedOver}`;
  const quoted = answers.slice(-ANSWERS_QUOTED).map((answer) => {
    const cited = answer.citations?.length ? ` (articles ${answer.citations.join(', ')})` : '';
    return `"${clip(answer.text, ANSWER_EXCERPT_CHARS)}"${cited}`;
  });
  const earlier = answers.length > ANSWERS_QUOTED ? ` (latest ${ANSWERS_QUOTED} shown)` : '';
  const times = answers.length === 1 ? 'once' : `${answers.length} times`;
  return `The assistant answered ${times}${earlier}: ${quoted.join('; ')}.${handedOver}`;
}

function customerMessages(transcript: TranscriptMessage[]): TranscriptMessage[] {
  return transcript.filter((message) => message.role === 'customer');
}

function customerSentiments(transcript: TranscriptMessage[], latest?: Classification): number[] {
  const sentiments = customerMessages(transcript).flatMap((message) =>
    message.classification ? [message.classification.sentiment] : [],
  );
  return sentiments.length === 0 && latest ? [latest.sentiment] : sentiments;
}

function firstName(name: string): string {
  const first = name.trim().split(/\s+/)[0] ?? '';
  return first === '' || first.includes('@') ? 'there' : first;
}

/** "Order status" → "order status", but "VIP billing" keeps its acronym. */
function lowerFirst(label: string): string {
  return /^.[A-Z]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

function clip(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}
