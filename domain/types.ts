import type { RuleCheck } from './escalation';

// The vocabulary shared by every layer. Plain data only: these values travel through Temporal
// payloads, MongoDB documents and HTTP bodies unchanged.

export type Role = 'customer' | 'ai' | 'agent' | 'system';

/** What the model understood of one customer message. */
export interface Classification {
  /** The model's own label (a Bitext intent, a business's ticket label, or a category id). */
  intent: string;
  /** The product category the label maps to (configuration `intentCategories`). */
  category: string;
  /** Calibrated probability that `intent` is right, 0..1; same meaning for every provider. */
  confidence: number;
  /** -1 (very negative) .. 1 (very positive). */
  sentiment: number;
  /** Which model produced it, so feedback can be linked to a model version. */
  modelVersion: string;
  /** ISO 639-1 code of the message's language when it is clear; absent for short or mixed text. */
  language?: string;
  /** The knowledge-base article written for what was understood, as retrieval scored it. */
  grounding?: Grounding;
  /** The message was read together with the customer's previous one (a follow-up). */
  readWithPrevious?: boolean;
}

/** What retrieval found for a message: the best candidates, and the one that matches its intent. */
export interface Grounding {
  /** The best-scoring article for the understood intent (or written for no intent); absent when none. */
  articleId?: string;
  /** Hybrid score of that article, 0..1; compared with `knowledge.minAnswerScore`. */
  score: number;
  /** The top candidates whatever their intent, best first, for the agent and the decision record. */
  candidates: Array<{ articleId: string; score: number }>;
}

export interface TranscriptMessage {
  /** The client's message id for customer messages; a deterministic id for everything else. */
  id: string;
  role: Role;
  text: string;
  /** ISO-8601 time, taken from workflow time. */
  at: string;
  /** Agent id for agent messages. */
  authorId?: string;
  classification?: Classification;
  /** Knowledge-base article ids an AI answer used. */
  citations?: string[];
  /** Agent-only note, never shown to the customer. */
  internal?: boolean;
  /** A call to the business's systems and how it went (an internal line the agent sees in the task). */
  action?: { name: string; ok: boolean };
  /** On a customer message the AI handled: what it decided and why, as it ran (never shown to the customer). */
  decision?: DecisionRecord;
}

/**
 * Why the AI did what it did with one customer message, recorded as it ran: every escalation rule
 * with what it saw, the article it chose, the actions run and the outcome. Together with the
 * message's classification (model version, intent, confidence, retrieval candidates) it answers
 * "why was this handed over?" without recomputing anything.
 */
export interface DecisionRecord {
  /** Every escalation rule in reporting order; empty when the model failed before any rule ran. */
  rules: RuleCheck[];
  /** What the AI chose: answer from an article, reply without one, run an action, or hand over. */
  decision?: 'answer' | 'reply' | 'action' | 'handoff';
  /** The article answered from and the score it had to reach. */
  retrieval?: { chosenArticleId?: string; minAnswerScore: number };
  /** Calls to the business's systems made for this message. */
  actions?: Array<{ name: string; ok: boolean }>;
  /** How the message ended: replied to (with the articles cited, if any), or handed over. */
  outcome?:
    | { kind: 'replied'; citations: string[] }
    | { kind: 'handoff'; taskId: string; reasons: EscalationReason[]; queue: string; priority: Priority };
}

/** The name of a visitor who gave none: greetings read "Hi there,". */
export const ANONYMOUS_VISITOR_NAME = 'there';

export interface CustomerProfile {
  id: string;
  name: string;
  /** Absent for an anonymous visitor until they leave one (asked when nobody can answer at once). */
  email?: string;
  tier?: string;
  plan?: string;
  lifetimeValue?: number;
}

/** Why a conversation went to a person. `code` is stable: reports and tests depend on it. */
export interface EscalationReason {
  code: EscalationCode;
  detail?: string;
}

export type EscalationCode =
  | 'sentiment'
  | 'sentiment_trend'
  | 'keyword'
  | 'repeat'
  | 'human_request'
  | 'low_confidence'
  | `category:${string}`
  | 'llm_failure'
  | 'high_value'
  | 'customer_request'
  | 'missing_knowledge'
  | 'unresolved'
  | 'language'
  /** A call to the business's systems failed or timed out: the AI never guesses its answer. */
  | 'action_failed'
  /** The customer asked for something the configuration leaves to a person (`runBy: "person"`). */
  | 'action_by_person'
  /** Not a handoff: a proactive outreach task, for the signal that raised it (`outreach:low_csat`). */
  | `outreach:${string}`;

export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

export interface KnowledgeArticle {
  id: string;
  title: string;
  /** Questions this article answers: retrieval matches customer messages against them. */
  questions: string[];
  /** Answer text; may hold placeholders such as {{Website Name}} filled from configuration. */
  body: string;
  category: string;
  /** Intent label the article was written for, when known. */
  intent?: string;
}

export interface AnswerDraft {
  text: string;
  citations: string[];
}

/** What a human agent receives when the AI hands a conversation over. */
export interface HandoffSummary {
  /** The customer's issue in one or two sentences. */
  issue: string;
  /** What the AI already tried (answers given, articles cited). */
  aiTried: string;
  /** The customer's mood in a word or short phrase, from sentiment. */
  mood: string;
  /** A first line the agent can send, in the playbook's spirit. */
  suggestedFirstLine: string;
}

export type ConversationStatus = 'ai' | 'handoff' | 'closed';
