import type { EngagementRules, SignalResponse, SupportConfig } from '../config/schema';
import type { ConversationState } from './conversation';
import { findOrderNumber } from './handoff';
import {
  aiReplyId,
  businessEventSignalId,
  lowCsatSignalId,
  outreachConversationId,
  outreachTaskId,
  quietSignalId,
  repeatContactSignalId,
} from './ids';
import { fillPlaceholders, placeholderValues } from './placeholders';
import { RuleViolation } from './rules';
import { wordMatch } from './text';
import { ANONYMOUS_VISITOR_NAME, type ConversationStatus, type CustomerProfile, type HandoffSummary } from './types';

// Proactive engagement, with no Temporal and no I/O: the signals that a customer may be struggling
// (a quiet spell after a doubtful AI answer, a business event, a repeat contact, a low rating) and
// what each turns into under the configured rules and the weekly cap. One instance per customer,
// owned by the customer's engagement workflow.

export const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
/** After this long with nothing to watch and nothing happening, the engagement workflow ends (beyond the week the cap counts). */
export const FORGET_AFTER_MS = 8 * 24 * 60 * 60 * 1000;
// Bounds on what one customer's state carries across continue-as-new.
const MAX_CONVERSATIONS = 50;
const MAX_EVENT_IDS = 1000;
const MAX_OUTREACH = 200;

export type SignalKind = 'quiet_after_doubtful_answer' | 'repeat_contact' | 'low_csat' | `event:${string}`;
export type Doubt = 'low_confidence' | 'did_not_work';

/**
 * What a conversation tells its customer's engagement workflow: ids, categories and flags, never
 * the customer's words.
 */
export type EngagementMoment =
  | { kind: 'started'; conversationId: string; customer: CustomerProfile; webhookUrl?: string; at: string }
  | {
      kind: 'turn';
      conversationId: string;
      messageId: string;
      at: string;
      status: ConversationStatus;
      category?: string;
      orderNumber?: string;
      /** Set when the AI answered and the answer is doubtful: the quiet-spell timer starts. */
      doubt?: Doubt;
    }
  | { kind: 'status'; conversationId: string; status: ConversationStatus; at: string }
  | { kind: 'rated'; conversationId: string; score: number; at: string };

/** Something that happened in the business's systems (posted to `POST /v1/events`). */
export interface BusinessEvent {
  /** The business's own id for the event: the same id posted again is the same event. */
  eventId: string;
  customerId: string;
  kind: string;
  orderNumber?: string;
}

export interface Signal {
  signalId: string;
  kind: SignalKind;
  /** Why the customer may be struggling, in a sentence for the agent and the operator. */
  reason: string;
  conversationId?: string;
  orderNumber?: string;
  at: string;
}

export type OutreachOutcome = 'outreach_task' | 'ai_message' | 'capped' | 'with_a_person' | 'none';

export interface OutreachRecord {
  signalId: string;
  kind: SignalKind;
  outcome: OutreachOutcome;
  conversationId?: string;
  taskId?: string;
  at: string;
}

/** What to do about one signal: the outcome, and where and what to say when something is said. */
export interface OutreachPlan {
  signal: Signal;
  outcome: OutreachOutcome;
  conversationId: string;
  /** The customer has no open conversation: the outreach opens this one. */
  opensConversation: boolean;
  taskId: string;
  /** The AI's message, or the first line suggested to the agent. */
  message: string;
  summary: HandoffSummary;
  /** The record kept of it (the cap counts these). */
  record: OutreachRecord;
}

interface ConversationTrace {
  conversationId: string;
  status: ConversationStatus;
  category?: string;
  orderNumbers: string[];
  startedAt: string;
  lastAt: string;
  repeatChecked?: boolean;
}

interface QuietWatch {
  signalId: string;
  conversationId: string;
  doubt: Doubt;
  dueAt: string;
}

export interface EngagementState {
  customerId: string;
  customer?: CustomerProfile;
  webhookUrl?: string;
  conversations: ConversationTrace[];
  watches: QuietWatch[];
  eventIds: string[];
  outreach: OutreachRecord[];
  lastActivityAt: string;
}

/** The engagement rules of a configuration; one without them reaches out to nobody. */
export function engagementRulesOf(config: SupportConfig): EngagementRules | undefined {
  return (config as Partial<SupportConfig>).engagement;
}

/** Checked before a business event is written to history: a kind the configuration knows. */
export function validateBusinessEvent(config: SupportConfig, event: BusinessEvent): void {
  const rules = engagementRulesOf(config);
  if (!rules) throw new RuleViolation('engagement_off', 'Proactive engagement is not configured; no events are taken.');
  if (!Object.hasOwn(rules.businessEvents, event.kind)) {
    const known = Object.keys(rules.businessEvents).join(', ');
    throw new RuleViolation('unknown_event_kind', `There is no event kind ${event.kind}; the configured kinds are ${known}.`);
  }
}

/**
 * The turns of a conversation from transcript position `from` on, as moments: one per customer
 * message, with whether the AI's answer to it is doubtful (answered with low confidence, or the
 * customer had just said the previous answer did not work).
 */
export function turnMoments(state: ConversationState, from: number, rules: EngagementRules): EngagementMoment[] {
  const { transcript } = state;
  const moments: EngagementMoment[] = [];
  for (let i = from; i < transcript.length; i++) {
    const message = transcript[i];
    if (message?.role !== 'customer') continue;
    const answered = transcript.slice(i + 1).some((m) => m.id === aiReplyId(message.id));
    const before = transcript.slice(0, i).filter((m) => !m.internal).at(-1);
    const quiet = rules.quietAfterDoubtfulAnswer;
    const doubt: Doubt | undefined = !answered
      ? undefined
      : (message.classification?.confidence ?? 1) < quiet.confidenceBelow
        ? 'low_confidence'
        : before?.role === 'ai' && quiet.didNotWorkPhrases.some((phrase) => wordMatch(message.text, phrase))
          ? 'did_not_work'
          : undefined;
    moments.push({
      kind: 'turn',
      conversationId: state.id,
      messageId: message.id,
      at: message.at,
      status: state.status,
      category: message.classification?.category,
      orderNumber: findOrderNumber(message.text),
      doubt,
    });
  }
  return moments;
}

/** What a conversation has told its engagement workflow so far (see `worthTelling`). */
export interface ToldSoFar {
  status?: ConversationStatus;
  category?: string;
  orderNumbers: string[];
  /** The last turn told was doubtful: the engagement workflow watches for a quiet spell. */
  watched: boolean;
}

/**
 * The moments that change what the engagement workflow knows: every moment but a turn, and a turn
 * that is doubtful, follows a doubtful one (it ends the watch), or brings a new status, category or
 * order number. The turns left out only move the conversation's last-seen time, which its close
 * moves anyway; each one told costs a signal and a workflow task on the customer's workflow.
 */
export function worthTelling(moments: EngagementMoment[], told: ToldSoFar): EngagementMoment[] {
  return moments.filter((moment) => {
    if (moment.kind === 'status') told.status = moment.status;
    if (moment.kind !== 'turn') return true;
    const adds =
      moment.doubt !== undefined ||
      told.watched ||
      moment.status !== told.status ||
      moment.category !== told.category ||
      (moment.orderNumber !== undefined && !told.orderNumbers.includes(moment.orderNumber));
    if (adds) {
      told.status = moment.status;
      told.category = moment.category;
      if (moment.orderNumber !== undefined && !told.orderNumbers.includes(moment.orderNumber)) told.orderNumbers.push(moment.orderNumber);
      told.watched = moment.doubt !== undefined;
    }
    return adds;
  });
}

/** One customer's signals and outreach: fed moments and events, it says when and how to reach out. */
export class Engagement {
  constructor(
    private readonly state: EngagementState,
    private readonly config: SupportConfig,
    private readonly rules: EngagementRules,
  ) {}

  static begin(customerId: string, config: SupportConfig, rules: EngagementRules, at: string): Engagement {
    return new Engagement({ customerId, conversations: [], watches: [], eventIds: [], outreach: [], lastActivityAt: at }, config, rules);
  }

  get snapshot(): EngagementState {
    return this.state;
  }

  /** Records a moment of one of the customer's conversations; returns the signals it raises at once. */
  note(moment: EngagementMoment): Signal[] {
    this.state.lastActivityAt = moment.at;
    if (moment.kind === 'started') {
      this.state.customer = moment.customer;
      this.state.webhookUrl = moment.webhookUrl ?? this.state.webhookUrl;
      this.trace(moment.conversationId, moment.at);
      return [];
    }
    const trace = this.trace(moment.conversationId, moment.at);
    trace.lastAt = moment.at;
    this.stopWatching(moment.conversationId);
    if (moment.kind === 'rated') {
      if (moment.score > this.rules.lowCsat.atMost) return [];
      return [{ signalId: lowCsatSignalId(moment.conversationId), kind: 'low_csat', reason: `Rated the conversation ${moment.score} out of 5.`, conversationId: moment.conversationId, at: moment.at }];
    }
    trace.status = moment.status;
    if (moment.kind === 'status') return [];
    if (moment.category && this.countsAsTopic(moment.category)) trace.category = moment.category;
    if (moment.orderNumber && !trace.orderNumbers.includes(moment.orderNumber)) trace.orderNumbers.push(moment.orderNumber);
    if (moment.doubt && moment.status === 'ai') {
      const dueAt = new Date(Date.parse(moment.at) + this.rules.quietAfterDoubtfulAnswer.afterMs).toISOString();
      this.state.watches.push({ signalId: quietSignalId(moment.conversationId, moment.messageId), conversationId: moment.conversationId, doubt: moment.doubt, dueAt });
    }
    const repeat = this.repeatContact(trace);
    return repeat ? [repeat] : [];
  }

  /** A business event; undefined when this event id was seen before. */
  businessEvent(event: BusinessEvent, at: string): Signal | undefined {
    if (this.state.eventIds.includes(event.eventId)) return undefined;
    this.state.eventIds = [...this.state.eventIds, event.eventId].slice(-MAX_EVENT_IDS);
    this.state.lastActivityAt = at;
    const label = this.rules.businessEvents[event.kind]?.label ?? event.kind;
    const order = event.orderNumber ? ` (order ${event.orderNumber})` : '';
    const conversation = this.openConversation(event.orderNumber);
    return {
      signalId: businessEventSignalId(event.eventId),
      kind: `event:${event.kind}`,
      reason: `${label}${order}, reported by the business's systems.`,
      conversationId: conversation?.conversationId,
      orderNumber: event.orderNumber,
      at,
    };
  }

  /** Quiet spells that ran out by `nowMs`, as signals; their watches end. */
  due(nowMs: number): Signal[] {
    const due = this.state.watches.filter((watch) => Date.parse(watch.dueAt) <= nowMs);
    this.state.watches = this.state.watches.filter((watch) => !due.includes(watch));
    const hours = formatDuration(this.rules.quietAfterDoubtfulAnswer.afterMs);
    return due.map((watch) => ({
      signalId: watch.signalId,
      kind: 'quiet_after_doubtful_answer',
      reason:
        watch.doubt === 'did_not_work'
          ? `Said an answer didn't work, then went quiet for ${hours} after the AI's next answer.`
          : `Went quiet for ${hours} after an AI answer given with low confidence.`,
      conversationId: watch.conversationId,
      at: new Date(nowMs).toISOString(),
    }));
  }

  /** When the earliest quiet spell runs out (epoch ms), if one is watched. */
  get nextDueAt(): number | undefined {
    const times = this.state.watches.map((watch) => Date.parse(watch.dueAt));
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Nothing to watch and nothing heard for long enough that the workflow may end. */
  idleSince(nowMs: number): boolean {
    return this.state.watches.length === 0 && nowMs - Date.parse(this.state.lastActivityAt) >= FORGET_AFTER_MS;
  }

  /** The outcome this signal already had, if it was handled before (a replayed or reposted cause). */
  handled(signalId: string): OutreachRecord | undefined {
    return this.state.outreach.find((record) => record.signalId === signalId);
  }

  /**
   * Decides what a signal turns into and records it: nothing when the rules say so, no AI message
   * while a person has the conversation, nothing over the weekly cap; else an outreach task or an
   * AI message in the signal's conversation, or in a new one when the customer has none open.
   */
  plan(signal: Signal): OutreachPlan {
    const response = this.responseTo(signal.kind);
    const trace = this.state.conversations.find((c) => c.conversationId === signal.conversationId && c.status !== 'closed');
    const conversationId = trace?.conversationId ?? outreachConversationId(signal.signalId);
    const weekStart = Date.parse(signal.at) - WEEK_MS;
    const reachedOut = this.state.outreach.filter(
      (record) => (record.outcome === 'outreach_task' || record.outcome === 'ai_message') && Date.parse(record.at) > weekStart,
    ).length;
    const outcome: OutreachOutcome =
      !response || response.then === 'none'
        ? 'none'
        : response.then === 'ai_message' && trace?.status === 'handoff'
          ? 'with_a_person'
          : reachedOut >= this.rules.maxPerCustomerPerWeek
            ? 'capped'
            : response.then;
    const taskId = outreachTaskId(signal.signalId);
    const record: OutreachRecord = {
      signalId: signal.signalId,
      kind: signal.kind,
      outcome,
      conversationId,
      taskId: outcome === 'outreach_task' ? taskId : undefined,
      at: signal.at,
    };
    this.state.outreach = [...this.state.outreach, record].slice(-MAX_OUTREACH);
    const customer = this.customer;
    const extras: Record<string, string> = signal.orderNumber ? { 'Order Number': signal.orderNumber } : {};
    const message = response ? fillPlaceholders(response.message, placeholderValues(this.config, customer), extras) : '';
    const summary: HandoffSummary = {
      issue: signal.reason,
      aiTried: trace
        ? `The customer's conversation ${conversationId} is below; the AI ${trace.status === 'handoff' ? 'handed it to a person' : 'was handling it'}.`
        : 'The customer has no open conversation: this outreach starts one.',
      mood: 'not known yet: reach out first',
      suggestedFirstLine: message,
    };
    return { signal, outcome, conversationId, opensConversation: !trace, taskId, message, summary, record };
  }

  /** Where the outreach went: the planned conversation, or the one opened because it had ended. */
  deliveredTo(signalId: string, conversationId: string): OutreachRecord | undefined {
    const record = this.handled(signalId);
    if (record) record.conversationId = conversationId;
    return record;
  }

  /** The profile outreach speaks to: the latest one a conversation started with. */
  get customer(): CustomerProfile {
    return this.state.customer ?? { id: this.state.customerId, name: ANONYMOUS_VISITOR_NAME };
  }

  get webhookUrl(): string | undefined {
    return this.state.webhookUrl;
  }

  /** Notes that the outreach opened a conversation, so later signals find it. */
  opened(conversationId: string, at: string): void {
    this.trace(conversationId, at);
  }

  /** The signal kinds this customer has raised, for the Temporal UI's search attribute. */
  get signalKinds(): string[] {
    return [...new Set(this.state.outreach.map((record) => record.kind))].sort();
  }

  /** The live line operators read in the Temporal UI. */
  statusLine(nowMs: number): string {
    const weekStart = nowMs - WEEK_MS;
    const thisWeek = this.state.outreach.filter((r) => (r.outcome === 'outreach_task' || r.outcome === 'ai_message') && Date.parse(r.at) > weekStart).length;
    const parts = [`customer ${this.state.customerId}`, `outreach this week ${thisWeek}/${this.rules.maxPerCustomerPerWeek}`];
    for (const watch of this.state.watches) parts.push(`watching ${watch.conversationId} until ${watch.dueAt} (${watch.doubt})`);
    const last = this.state.outreach.at(-1);
    if (last) parts.push(`last signal ${last.kind} → ${last.outcome}`);
    return parts.join(' · ');
  }

  /** Undefined for an event kind dropped from the configuration since it was accepted: it does nothing. */
  private responseTo(kind: SignalKind): SignalResponse | undefined {
    if (kind === 'quiet_after_doubtful_answer') return this.rules.quietAfterDoubtfulAnswer;
    if (kind === 'repeat_contact') return this.rules.repeatContact;
    if (kind === 'low_csat') return this.rules.lowCsat;
    return this.rules.businessEvents[kind.slice('event:'.length)];
  }

  /** Small talk says nothing about what the customer is contacting us about. */
  private countsAsTopic(category: string): boolean {
    return this.config.categories.find((c) => c.id === category)?.handling !== 'chat';
  }

  private trace(conversationId: string, at: string): ConversationTrace {
    let trace = this.state.conversations.find((c) => c.conversationId === conversationId);
    if (!trace) {
      trace = { conversationId, status: 'ai', orderNumbers: [], startedAt: at, lastAt: at };
      this.state.conversations = [...this.state.conversations, trace].slice(-MAX_CONVERSATIONS);
    }
    return trace;
  }

  private stopWatching(conversationId: string): void {
    this.state.watches = this.state.watches.filter((watch) => watch.conversationId !== conversationId);
  }

  /** The newest open conversation, preferring one about this order. */
  private openConversation(orderNumber: string | undefined): ConversationTrace | undefined {
    const open = this.state.conversations.filter((c) => c.status !== 'closed');
    return open.filter((c) => orderNumber !== undefined && c.orderNumbers.includes(orderNumber)).at(-1) ?? open.at(-1);
  }

  /** Once per conversation, when its topic is known: another conversation about it within the window. */
  private repeatContact(trace: ConversationTrace): Signal | undefined {
    if (trace.repeatChecked || (!trace.category && trace.orderNumbers.length === 0)) return undefined;
    trace.repeatChecked = true;
    const since = Date.parse(trace.startedAt) - this.rules.repeatContact.withinMs;
    const earlier = this.state.conversations.find(
      (c) =>
        c !== trace &&
        Date.parse(c.startedAt) < Date.parse(trace.startedAt) &&
        Date.parse(c.lastAt) >= since &&
        ((trace.category !== undefined && c.category === trace.category) || c.orderNumbers.some((n) => trace.orderNumbers.includes(n))),
    );
    if (!earlier) return undefined;
    const about = earlier.category === trace.category && trace.category ? `category ${trace.category}` : `order ${trace.orderNumbers.join(', ')}`;
    return {
      signalId: repeatContactSignalId(trace.conversationId),
      kind: 'repeat_contact',
      reason: `Back about the same ${about} within ${formatDuration(this.rules.repeatContact.withinMs)} (earlier conversation ${earlier.conversationId}).`,
      conversationId: trace.conversationId,
      orderNumber: trace.orderNumbers[0],
      at: trace.lastAt,
    };
  }
}

/** "4 hours", "7 days", "3 seconds": a rule's duration for people. */
function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [24 * 60 * 60 * 1000, 'day'],
    [60 * 60 * 1000, 'hour'],
    [60 * 1000, 'minute'],
    [1000, 'second'],
  ];
  const [size, name] = units.find(([unitMs]) => ms >= unitMs && ms % unitMs === 0) ?? [1, 'millisecond'];
  const count = ms / size;
  return `${count} ${name}${count === 1 ? '' : 's'}`;
}
