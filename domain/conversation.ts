import { DEFAULT_CSAT_RULES } from '../config/defaults';
import type { ActionConfig, CsatRules, SupportConfig } from '../config/schema';
import {
  actionAnswer,
  actionFacts,
  actionForIntent,
  actionSummary,
  confirmationQuestion,
  describeActionResult,
  type ActionCall,
  type ActionResult,
} from './actions';
import {
  ANONYMOUS_VISITOR_NAME,
  type AnswerDraft,
  type Classification,
  type ConversationStatus,
  type CustomerProfile,
  type DecisionRecord,
  type EscalationReason,
  type HandoffSummary,
  type Priority,
  type TranscriptMessage,
} from './types';
import { OUT_OF_SCOPE_INTENT, escalationChecks, reasonsOf } from './escalation';
import { routeHandoff } from './routing';
import { offHoursNotice, personExpected } from './off-hours';
import { fillPlaceholders, inBrandVoice, placeholderValues } from './placeholders';
import { isAffirmative } from './text';
import { MAX_CLIENT_ID_LENGTH, RuleViolation } from './rules';
import {
  actionIdempotencyKey,
  actionResultId,
  aiReplyId,
  closingMessageId,
  contactNoticeId,
  handoffNoticeId,
  handoffWorkflowId,
  holdingReplyId,
  isHandoffNotice,
  isHoldingReply,
  resolvedNoticeId,
} from './ids';

/** A conversation is rated once: open, or closed by the rating itself. */
export function assertNotRated(rating: Rating | undefined): void {
  if (rating) throw new RuleViolation('already_rated', 'This conversation is rated already.');
}

export const MAX_MESSAGE_LENGTH = 4000;
/** Turns before a question that its answer's writer reads: enough for a follow-up; more only distracts a small model. */
export const WRITER_CONTEXT_TURNS = 4;
/** C0 controls and DEL, but tab and line breaks, which people type. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export interface Handoff {
  /** Workflow id of the human task: `handoff-<conversationId>-<n>`. */
  taskId: string;
  reasons: EscalationReason[];
  queue: string;
  priority: Priority;
  summary: HandoffSummary;
  at: string;
}

export interface Rating {
  score: number;
  comment?: string;
  at: string;
  /** Who handled the conversation when it was rated: 'ai' or an agent id. */
  handler: string;
}

/** Everything needed to rebuild a conversation: carried across continue-as-new. */
export interface ConversationState {
  id: string;
  customer: CustomerProfile;
  status: ConversationStatus;
  transcript: TranscriptMessage[];
  handoffs: Handoff[];
  /** Agent who last replied, for CSAT attribution. */
  lastAgentId?: string;
  rating?: Rating;
  webhookUrl?: string;
  createdAt: string;
  /** The AI could not answer and offered a person: a "yes" next hands over for this reason. */
  offeredPerson?: EscalationReason;
  /** Who resolved the conversation last: a person (their task resolved) or the AI (the customer said goodbye). */
  resolvedBy?: 'ai' | 'human';
  /** A write the AI described and asked to confirm: only a "yes" as the next message runs it. */
  pendingAction?: Omit<ActionCall, 'idempotencyKey'>;
  /**
   * What each customer message turned into, by message id, so a retried message gets the same
   * answer. Absent in states carried over from before outcomes were recorded.
   */
  outcomes?: Record<string, RecordedOutcome>;
}

/** A message's outcome as recorded: references into the transcript and handoffs, not copies. */
export interface RecordedOutcome {
  replyId?: string;
  handoffTaskId?: string;
  actions?: Array<{ name: string; ok: boolean }>;
}

/** A transcript line as the customer sees it: why the AI decided stays with the business. */
export function customerLine({ decision: _decision, ...line }: TranscriptMessage): TranscriptMessage {
  return line;
}

/** The transcript as the customer sees it: no internal lines, no decision records. */
export function customerTranscript(transcript: TranscriptMessage[]): TranscriptMessage[] {
  return transcript.filter((m) => !m.internal).map(customerLine);
}

/** The CSAT rules of a configuration; ones passed to workflows before the rules existed have none. */
export function csatRulesOf(config: SupportConfig): CsatRules {
  return (config as Partial<SupportConfig>).csat ?? DEFAULT_CSAT_RULES;
}

/** Whether the customer is asked to rate now: resolved as the rules say, and never rated. */
export function ratingRequested(state: ConversationState, config: SupportConfig): boolean {
  if (state.rating || !state.resolvedBy) return false;
  const { askAfter } = csatRulesOf(config);
  return askAfter === 'both' || askAfter === state.resolvedBy;
}

/**
 * Whether to ask the customer for an email address: a person must answer, nobody is at work now,
 * and there is no address to send the answer to.
 */
export function emailRequested(state: ConversationState, config: SupportConfig, at: Date): boolean {
  const handoff = state.status === 'handoff' ? state.handoffs.at(-1) : undefined;
  if (!handoff || state.customer.email) return false;
  return !personExpected(config.sla, handoff.priority, at).staffedNow;
}

/** What the AI does with a customer message, decided from what it understood. */
export type Decision =
  /** Answer from this knowledge-base article. */
  | { kind: 'answer'; articleId: string }
  /** Reply without an article (small talk, or saying it cannot answer and offering a person). */
  | { kind: 'reply'; text: string; closes: boolean }
  /** Run this request against the business's systems and answer from its result. */
  | { kind: 'action'; call: ActionCall }
  | { kind: 'handoff'; reasons: EscalationReason[] };

/** What a customer message turned into, returned to the API as the Update's result. */
export interface MessageOutcome {
  conversationId: string;
  messageId: string;
  status: ConversationStatus;
  /** The AI's answer, or the notice that a person will take over. Absent while a person handles it. */
  reply?: TranscriptMessage;
  handoff?: { taskId: string; reasons: EscalationReason[]; queue: string; priority: Priority };
  /** The business's systems this message made the AI call, and whether each call worked. */
  actions?: Array<{ name: string; ok: boolean }>;
}

export interface ConversationView extends ConversationState {
  /** The latest classified category and escalation reasons, for lists and search. */
  category?: string;
}

/**
 * The conversation's rules, with no Temporal and no I/O: the workflow feeds it events and
 * results of activities, and it decides. Unit-tested directly.
 */
export class Conversation {
  constructor(private readonly state: ConversationState, private readonly config: SupportConfig) {}

  static open(input: {
    id: string;
    customer: CustomerProfile;
    config: SupportConfig;
    at: string;
    webhookUrl?: string;
  }): Conversation {
    return new Conversation(
      {
        id: input.id,
        customer: input.customer,
        status: 'ai',
        transcript: [],
        handoffs: [],
        webhookUrl: input.webhookUrl,
        createdAt: input.at,
      },
      input.config,
    );
  }

  get snapshot(): ConversationState {
    return this.state;
  }

  get status(): ConversationStatus {
    return this.state.status;
  }

  get currentHandoff(): Handoff | undefined {
    return this.state.status === 'handoff' ? this.state.handoffs.at(-1) : undefined;
  }

  get latestCategory(): string | undefined {
    for (let i = this.state.transcript.length - 1; i >= 0; i--) {
      const category = this.state.transcript[i]?.classification?.category;
      if (category) return category;
    }
    return undefined;
  }

  view(): ConversationView {
    return { ...this.state, category: this.latestCategory };
  }

  hasMessage(messageId: string): boolean {
    return this.state.transcript.some((m) => m.id === messageId);
  }

  validateOpen(): void {
    if (this.state.status === 'closed') {
      throw new RuleViolation('conversation_closed', 'This conversation is closed; start a new one.');
    }
  }

  /**
   * Checked before anything is written to history (the Update validator), and only there: the
   * handler and its replay add what passed. A retry (same id, same text) passes and gets the first
   * answer; the same id with another text is refused, as idempotency keys are.
   */
  validateCustomerMessage(messageId: string, text: string): void {
    if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > MAX_CLIENT_ID_LENGTH) {
      throw new RuleViolation('invalid_message_id', `A message id is 1 to ${MAX_CLIENT_ID_LENGTH} characters.`);
    }
    if (typeof text !== 'string') throw new RuleViolation('empty_message', 'The message has no text.');
    const earlier = this.state.transcript.find((m) => m.id === messageId && m.role === 'customer');
    if (earlier) {
      if (earlier.text !== text) throw new RuleViolation('message_id_reused', 'This message id was used for another text; send a new id.');
      return;
    }
    this.validateOpen();
    if (text.trim().length === 0) {
      throw new RuleViolation('empty_message', 'The message is empty.');
    }
    if (text.length > MAX_MESSAGE_LENGTH) {
      throw new RuleViolation('message_too_long', `The message has ${text.length} characters; the limit is ${MAX_MESSAGE_LENGTH}.`);
    }
    if (CONTROL_CHARACTERS.test(text)) {
      throw new RuleViolation('control_characters', 'The message holds control characters (such as NUL); send plain text.');
    }
  }

  addCustomerMessage(id: string, text: string, at: string): TranscriptMessage {
    const message: TranscriptMessage = { id, role: 'customer', text, at };
    this.state.transcript.push(message);
    return message;
  }

  /** The AI answers only while no person owns the conversation. */
  get aiMayAnswer(): boolean {
    return this.state.status === 'ai';
  }

  /**
   * Records what the AI understood and decides what to do: hand over when a rule fires (or when
   * the customer accepts an offered person), run a configured action (a write only after the
   * customer confirmed it), small talk from the brand's replies, an answer only from the article
   * the message was grounded in, and otherwise say so and hand over or offer to. `actions` are the
   * configured ones this run may use (none for histories from before actions).
   */
  decide(messageId: string, classification: Classification, actions: readonly ActionConfig[] = []): Decision {
    const decision = this.choose(messageId, classification, actions);
    const record = this.decisionRecordOf(messageId);
    if (record) {
      record.decision = decision.kind;
      record.retrieval = {
        chosenArticleId: decision.kind === 'answer' ? decision.articleId : undefined,
        minAnswerScore: this.config.knowledge.minAnswerScore,
      };
    }
    return decision;
  }

  private choose(messageId: string, classification: Classification, actions: readonly ActionConfig[]): Decision {
    const offered = this.state.offeredPerson;
    const pending = this.state.pendingAction;
    this.state.offeredPerson = undefined;
    this.state.pendingAction = undefined;
    let reasons = this.classify(messageId, classification);
    const text = this.state.transcript.find((m) => m.id === messageId)?.text ?? '';
    if (offered && isAffirmative(text)) return { kind: 'handoff', reasons: [offered, ...reasons] };
    if (pending && isAffirmative(text)) {
      return { kind: 'action', call: { ...pending, idempotencyKey: actionIdempotencyKey(this.state.id, messageId, pending.name) } };
    }
    const action = actionForIntent(actions, classification.intent);
    const facts = action && actionFacts(action, this.state.customer, text);
    if (action && facts) {
      if (action.runBy === 'person') return { kind: 'handoff', reasons: [...reasons, { code: 'action_by_person', detail: action.name }] };
      // The category may be one people handle ("cancellation"): the action the AI may run is how it is
      // handled now. Every other rule (mood, value, keywords) still hands over.
      reasons = reasons.filter((reason) => reason.code !== `category:${classification.category}`);
      if (reasons.length > 0) return { kind: 'handoff', reasons };
      const call = { name: action.name, summary: actionSummary(action, facts), facts };
      if (action.effect === 'read') return { kind: 'action', call: { ...call, idempotencyKey: actionIdempotencyKey(this.state.id, messageId, action.name) } };
      this.state.pendingAction = call;
      return { kind: 'reply', text: confirmationQuestion(action, facts), closes: false };
    }
    if (reasons.length > 0) return { kind: 'handoff', reasons };
    const category = this.config.categories.find((candidate) => candidate.id === classification.category);
    const values = placeholderValues(this.config, this.state.customer, text);
    if (category?.handling === 'chat') {
      const smallTalk = this.config.brand.smallTalk[classification.intent];
      if (smallTalk) return { kind: 'reply', text: fillPlaceholders(smallTalk.reply, values), closes: smallTalk.closes };
    }
    const { grounding } = classification;
    if (grounding?.articleId !== undefined && grounding.score >= this.config.knowledge.minAnswerScore) {
      return { kind: 'answer', articleId: grounding.articleId };
    }
    const missing: EscalationReason = {
      code: 'missing_knowledge',
      detail: classification.intent === OUT_OF_SCOPE_INTENT ? 'out of scope' : `nothing answers ${classification.intent}`,
    };
    if (this.config.knowledge.whenMissing === 'handoff') return { kind: 'handoff', reasons: [missing] };
    this.state.offeredPerson = missing;
    const { brand } = this.config;
    return { kind: 'reply', text: fillPlaceholders(`${brand.noAnswer} ${brand.offerPerson}`, values), closes: false };
  }

  /**
   * Records what an action returned, as an internal line the agent sees in the task, and returns
   * the customer's answer written from its fields, or undefined when it failed and a person must
   * take over (reason `action_failed`).
   */
  recordAction(inReplyTo: string, call: ActionCall, result: ActionResult, at: string): string | undefined {
    this.state.transcript.push({
      id: actionResultId(inReplyTo, call.name),
      role: 'system',
      text: describeActionResult(call, result),
      at,
      internal: true,
      action: { name: call.name, ok: result.ok },
    });
    const record = this.decisionRecordOf(inReplyTo);
    if (record) record.actions = [...(record.actions ?? []), { name: call.name, ok: result.ok }];
    const action = (this.config.actions ?? []).find((candidate) => candidate.name === call.name);
    if (!result.ok || !action) return undefined;
    return inBrandVoice(this.config, this.state.customer, actionAnswer(action, call.facts, result));
  }

  /** Remembers what a customer message turned into, for a retry of it. */
  recordOutcome(outcome: MessageOutcome): void {
    this.state.outcomes ??= {};
    this.state.outcomes[outcome.messageId] = {
      replyId: outcome.reply?.id,
      handoffTaskId: outcome.handoff?.taskId,
      ...(outcome.actions ? { actions: outcome.actions } : {}),
    };
  }

  /**
   * What a message turned into the first time, with the conversation's status now. A message from
   * before outcomes were recorded gets the status alone.
   */
  outcomeOf(messageId: string): MessageOutcome {
    const recorded = this.state.outcomes?.[messageId];
    const reply = recorded?.replyId === undefined ? undefined : this.state.transcript.find((m) => m.id === recorded.replyId);
    const handoff = recorded?.handoffTaskId === undefined ? undefined : this.state.handoffs.find((h) => h.taskId === recorded.handoffTaskId);
    return {
      conversationId: this.state.id,
      messageId,
      status: this.state.status,
      ...(reply ? { reply } : {}),
      ...(handoff ? { handoff: { taskId: handoff.taskId, reasons: handoff.reasons, queue: handoff.queue, priority: handoff.priority } } : {}),
      ...(recorded?.actions ? { actions: recorded.actions } : {}),
    };
  }

  /**
   * Records what the classifier understood and every escalation rule's check (the start of the
   * message's decision record), and returns the reasons of the rules that fire. An empty list
   * means the AI should answer.
   */
  classify(messageId: string, classification: Classification): EscalationReason[] {
    const index = this.state.transcript.findIndex((m) => m.id === messageId);
    const message = this.state.transcript[index];
    if (!message) throw new Error(`unknown message ${messageId}`);
    message.classification = classification;
    const rules = escalationChecks({
      config: this.config,
      customer: this.state.customer,
      transcript: this.state.transcript.slice(0, index),
      message: { text: message.text, classification },
    });
    message.decision = { rules };
    return reasonsOf(rules);
  }

  /** The decision record of a customer message, started when it was classified. */
  private decisionRecordOf(messageId: string): DecisionRecord | undefined {
    return this.state.transcript.find((m) => m.id === messageId && m.role === 'customer')?.decision;
  }

  /** An AI reply: a grounded answer (with citations) or a reply without an article. */
  addAiAnswer(inReplyTo: string, answer: AnswerDraft, at: string): TranscriptMessage {
    const message: TranscriptMessage = {
      id: aiReplyId(inReplyTo),
      role: 'ai',
      text: answer.text,
      at,
      citations: answer.citations,
    };
    this.state.transcript.push(message);
    const record = this.decisionRecordOf(inReplyTo);
    if (record) record.outcome = { kind: 'replied', citations: answer.citations };
    return message;
  }

  /** Where the next human task goes and with what priority. */
  route(reasons: EscalationReason[]): { queue: string; priority: Priority } {
    const latest = [...this.state.transcript].reverse().find((m) => m.classification)?.classification;
    return routeHandoff({
      config: this.config,
      classification: latest,
      reasons,
      customer: this.state.customer,
      transcript: this.state.transcript,
    });
  }

  nextHandoffId(): string {
    return handoffWorkflowId(this.state.id, this.state.handoffs.length + 1);
  }

  /** From here on the AI stays silent; the returned notice tells the customer a person is coming. */
  handOff(
    input: { reasons: EscalationReason[]; queue: string; priority: Priority; summary: HandoffSummary; at: string },
    inReplyTo: string,
    notice: string,
  ): { handoff: Handoff; notice: TranscriptMessage } {
    const handoff: Handoff = { taskId: this.nextHandoffId(), ...input };
    this.state.handoffs.push(handoff);
    this.state.status = 'handoff';
    const message: TranscriptMessage = { id: handoffNoticeId(inReplyTo), role: 'system', text: notice, at: input.at };
    this.state.transcript.push(message);
    // A message the model failed on, or a request for a person, has no rules to show: only the outcome.
    const asked = this.state.transcript.find((m) => m.id === inReplyTo && m.role === 'customer');
    if (asked) {
      asked.decision ??= { rules: [] };
      asked.decision.outcome = { kind: 'handoff', taskId: handoff.taskId, reasons: input.reasons, queue: input.queue, priority: input.priority };
    }
    return { handoff, notice: message };
  }

  /**
   * The customer-facing line sent when a person takes over; it first says when the AI had no
   * answer, and off-hours it says when a person will answer.
   */
  handoffNotice(priority: Priority, at: string, reasons: EscalationReason[] = [], opts: { askForEmail?: boolean } = {}): string {
    const firstName = this.state.customer.name.split(/\s+/)[0] ?? this.state.customer.name;
    const apology = reasons.some((reason) => reason.code === 'action_failed')
      ? `${this.config.brand.actionFailed} `
      : reasons.some((reason) => reason.code === 'missing_knowledge')
        ? `${this.config.brand.noAnswer} `
        : '';
    const thanks = this.state.customer.name === ANONYMOUS_VISITOR_NAME ? 'Thanks.' : `Thanks, ${firstName}.`;
    const notice = `${apology}${thanks} I'm passing this to a member of our team, who can see everything you've told me, so you won't need to repeat yourself. They'll reply here.`;
    const away = offHoursNotice(this.config.sla, priority, new Date(at));
    if (!away) return notice;
    const askEmail = opts.askForEmail && !this.state.customer.email ? " Leave your email address and we'll send the answer there too." : '';
    return `${notice} ${away}${askEmail}`;
  }

  /** An anonymous visitor leaves an email address so that a person's answer can reach them. */
  provideEmail(requestId: string, email: string, at: string): TranscriptMessage {
    const id = contactNoticeId(requestId);
    const existing = this.state.transcript.find((m) => m.id === id);
    if (existing) return existing;
    this.state.customer = { ...this.state.customer, email };
    const message: TranscriptMessage = { id, role: 'system', text: `Thanks, we'll also send the answer to ${email}.`, at };
    this.state.transcript.push(message);
    return message;
  }

  /**
   * The customer's previous message when the AI answered it and nothing else came between:
   * a follow-up ("what about express?") may only make sense with it.
   */
  /** What the answer's writer reads of the conversation: the visible turns up to the question, the question last. */
  writerContext(messageId: string): TranscriptMessage[] {
    const index = this.state.transcript.findIndex((m) => m.id === messageId);
    return this.state.transcript
      .slice(0, index + 1)
      .filter((m) => !m.internal)
      .slice(-(WRITER_CONTEXT_TURNS + 1));
  }

  followUpContext(messageId: string): string | undefined {
    const index = this.state.transcript.findIndex((m) => m.id === messageId);
    const before = this.state.transcript.slice(0, index);
    const lastTurn = before.at(-1);
    if (lastTurn?.role !== 'ai') return undefined;
    return [...before].reverse().find((m) => m.role === 'customer')?.text;
  }

  /**
   * While the team is away, the first message the customer adds after the handoff gets a short
   * holding reply, so they are not left wondering; the AI never answers what the person must.
   * Returns undefined when a person is working or the customer was already told.
   */
  addHoldingReply(inReplyTo: string, at: string): TranscriptMessage | undefined {
    const handoff = this.currentHandoff;
    if (!handoff) return undefined;
    const away = offHoursNotice(this.config.sla, handoff.priority, new Date(at));
    if (!away) return undefined;
    for (let i = this.state.transcript.length - 1; i >= 0; i--) {
      const m = this.state.transcript[i];
      if (!m || isHandoffNotice(m.id)) break;
      if (isHoldingReply(m.id) || m.role === 'agent') return undefined;
    }
    const message: TranscriptMessage = {
      id: holdingReplyId(inReplyTo),
      role: 'system',
      text: `Thanks, I've added this to your conversation for our team. ${away}`,
      at,
    };
    this.state.transcript.push(message);
    return message;
  }

  addAgentMessage(input: { id: string; agentId: string; text: string; internal: boolean; at: string }): TranscriptMessage {
    const message: TranscriptMessage = {
      id: input.id,
      role: 'agent',
      text: input.text,
      at: input.at,
      authorId: input.agentId,
      internal: input.internal || undefined,
    };
    this.state.transcript.push(message);
    if (!input.internal) this.state.lastAgentId = input.agentId;
    return message;
  }

  /**
   * The person resolved the task: the AI may answer again. The resolution note is for agents only
   * ("refund denied per policy"); what the customer reads is the closing message, when there is one.
   */
  resolveHandoff(at: string, resolution: { agentId: string; note?: string; closingMessage?: string }): void {
    if (this.state.status !== 'handoff') return;
    this.state.status = 'ai';
    this.state.resolvedBy = 'human';
    const n = this.state.handoffs.length;
    if (resolution.note) this.state.transcript.push({ id: resolvedNoticeId(n), role: 'system', text: resolution.note, at, internal: true });
    if (resolution.closingMessage) {
      this.state.transcript.push({ id: closingMessageId(n), role: 'agent', text: resolution.closingMessage, at, authorId: resolution.agentId });
    }
  }

  /** Checked before the rating is written to history: a valid score, and a conversation not rated yet. */
  validateRating(score: number): void {
    this.validateScore(score);
    assertNotRated(this.state.rating);
  }

  private validateScore(score: number): void {
    if (!Number.isInteger(score) || score < 1 || score > 5) {
      throw new RuleViolation('invalid_rating', 'A rating is a whole number from 1 to 5.');
    }
  }

  /** Whether the customer is asked to rate now (the configured CSAT rules). */
  get ratingRequested(): boolean {
    return ratingRequested(this.state, this.config);
  }

  // The score only: histories from before a second rating was refused replay their second one.
  rate(score: number, comment: string | undefined, at: string): Rating {
    this.validateScore(score);
    const handler = this.state.handoffs.length > 0 ? (this.state.lastAgentId ?? 'human') : 'ai';
    this.state.rating = { score, comment, at, handler };
    return this.state.rating;
  }

  close(): void {
    this.state.status = 'closed';
  }

  /**
   * A message the AI sends unasked (proactive engagement), delivered like its replies; never while
   * a person has the conversation or once it is closed. Undefined when it is not sent.
   */
  addProactiveMessage(id: string, text: string, at: string): TranscriptMessage | undefined {
    if (this.state.status !== 'ai' || this.hasMessage(id)) return undefined;
    const message: TranscriptMessage = { id, role: 'ai', text, at };
    this.state.transcript.push(message);
    return message;
  }

  /** The AI's small talk ended the conversation (a goodbye): resolved by the AI. */
  closeResolvedByAi(): void {
    this.state.resolvedBy = 'ai';
    this.close();
  }

  /** Customer messages in the whole conversation, for continue-as-new accounting. */
  get customerMessageCount(): number {
    return this.state.transcript.filter((m) => m.role === 'customer').length;
  }
}
