import type { SupportConfig } from '../config/schema';
import { Conversation, type ConversationState } from './conversation';
import { actionResultId, handoffNoticeId } from './ids';
import { slaDeadline } from './sla-calendar';
import type { CustomerProfile, EscalationReason, Priority, TranscriptMessage } from './types';

// What a candidate support configuration would have done to recorded conversations. The same pure
// rules the workflow runs (Conversation.decide, then routing) are fed the classifications the
// workflow recorded, so no model is called and every run over the same records agrees. Both sides
// of the comparison are replayed, the active configuration and the candidate, so a change in the
// answer can only come from the configuration.

export interface RecordedConversation {
  conversationId: string;
  customer: CustomerProfile;
  createdAt: string;
  /** As recorded, in order; the customer messages the AI handled carry their classification. */
  transcript: TranscriptMessage[];
}

/** Where a configuration first hands the conversation over, or that the AI keeps it throughout. */
export interface ReplayedOutcome {
  /** 1-based position among the customer messages; absent when no message is handed over. */
  escalatedAt?: number;
  reasons: EscalationReason['code'][];
  queue?: string;
  priority?: Priority;
  /**
   * Whether the agent's recorded first response would miss this configuration's first-response
   * target; absent when the replay hands over elsewhere than the recording, or nobody answered.
   */
  slaBreached?: boolean;
}

export type OutcomeChangeKind = 'escalated_earlier' | 'escalated_later' | 'no_longer_escalated' | 'newly_escalated' | 'rerouted';

/** A conversation whose outcome differs: a different message handed over, or the same one to another queue or priority. */
export interface OutcomeChange {
  conversationId: string;
  change: OutcomeChangeKind;
  before: ReplayedOutcome;
  after: ReplayedOutcome;
}

export interface WhatIfTotals {
  conversations: number;
  /** Share of conversations the AI kept throughout, 0..1. */
  containment: { before: number; after: number };
  handoffsPerQueue: { before: Record<string, number>; after: Record<string, number> };
  /** First-response breaches given the recorded response times, over the handoffs where they can be told. */
  slaBreaches: { before: number; after: number };
}

export interface WhatIfReport {
  changes: OutcomeChange[];
  totals: WhatIfTotals;
}

/** Replays one recorded conversation under `config` up to its first handoff. */
export function replayConversation(recorded: RecordedConversation, config: SupportConfig): ReplayedOutcome {
  const state: ConversationState = {
    id: recorded.conversationId,
    customer: recorded.customer,
    status: 'ai',
    transcript: [],
    handoffs: [],
    createdAt: recorded.createdAt,
  };
  const conversation = new Conversation(state, config);
  let position = 0;
  for (const line of recorded.transcript) {
    if (line.role !== 'customer') {
      state.transcript.push(line);
      continue;
    }
    position += 1;
    // A copy without what the original run concluded: the replay records its own.
    const { classification, decision: _recorded, ...message } = line;
    state.transcript.push(message);
    // Unclassified: a person had the conversation, or the model failed; neither is the configuration's doing.
    if (!classification) continue;
    const decision = conversation.decide(message.id, classification, config.actions);
    const reasons: EscalationReason[] | undefined =
      decision.kind === 'handoff'
        ? decision.reasons
        : decision.kind === 'action' && actionFailed(recorded.transcript, message.id, decision.call.name)
          ? [{ code: 'action_failed' }]
          : undefined;
    if (reasons) {
      const route = conversation.route(reasons);
      const slaBreached = firstResponseBreached(recorded.transcript, message.id, config, route.priority);
      return { escalatedAt: position, reasons: reasons.map((reason) => reason.code), ...route, ...(slaBreached === undefined ? {} : { slaBreached }) };
    }
  }
  return { reasons: [] };
}

/** Replays every conversation under both configurations and reports what changes. */
export function whatIf(recorded: readonly RecordedConversation[], active: SupportConfig, candidate: SupportConfig): WhatIfReport {
  const changes: OutcomeChange[] = [];
  const totals: WhatIfTotals = {
    conversations: recorded.length,
    containment: { before: 0, after: 0 },
    handoffsPerQueue: { before: {}, after: {} },
    slaBreaches: { before: 0, after: 0 },
  };
  for (const conversation of recorded) {
    const before = replayConversation(conversation, active);
    const after = replayConversation(conversation, candidate);
    count(totals, 'before', before);
    count(totals, 'after', after);
    const change = changeBetween(before, after);
    if (change) changes.push({ conversationId: conversation.conversationId, change, before, after });
  }
  const share = (kept: number) => (recorded.length === 0 ? 1 : kept / recorded.length);
  totals.containment = { before: share(totals.containment.before), after: share(totals.containment.after) };
  return { changes, totals };
}

function count(totals: WhatIfTotals, side: 'before' | 'after', outcome: ReplayedOutcome): void {
  if (outcome.queue === undefined) {
    totals.containment[side] += 1;
    return;
  }
  const perQueue = totals.handoffsPerQueue[side];
  perQueue[outcome.queue] = (perQueue[outcome.queue] ?? 0) + 1;
  if (outcome.slaBreached) totals.slaBreaches[side] += 1;
}

/** Reasons alone changing is no change of outcome: the same message goes to the same queue at the same priority. */
function changeBetween(before: ReplayedOutcome, after: ReplayedOutcome): OutcomeChangeKind | undefined {
  if (before.escalatedAt === undefined) return after.escalatedAt === undefined ? undefined : 'newly_escalated';
  if (after.escalatedAt === undefined) return 'no_longer_escalated';
  if (after.escalatedAt < before.escalatedAt) return 'escalated_earlier';
  if (after.escalatedAt > before.escalatedAt) return 'escalated_later';
  return after.queue !== before.queue || after.priority !== before.priority ? 'rerouted' : undefined;
}

function actionFailed(transcript: readonly TranscriptMessage[], messageId: string, actionName: string): boolean {
  const id = actionResultId(messageId, actionName);
  return transcript.some((line) => line.id === id && line.action?.ok === false);
}

/**
 * Whether the agent's recorded first reply to the handoff made at this message would miss the
 * first-response target of `priority` under `config`. Undefined when the recording has no handoff
 * at this message (the response time of a handoff that never happened is unknown) or no reply.
 */
function firstResponseBreached(
  transcript: readonly TranscriptMessage[],
  messageId: string,
  config: SupportConfig,
  priority: Priority,
): boolean | undefined {
  const noticeIndex = transcript.findIndex((line) => line.id === handoffNoticeId(messageId));
  const notice = transcript[noticeIndex];
  if (!notice) return undefined;
  const reply = transcript.slice(noticeIndex + 1).find((line) => line.role === 'agent' && !line.internal);
  if (!reply) return undefined;
  const policy = config.sla.policies[priority];
  const due = slaDeadline(new Date(notice.at), policy.firstResponseMs, policy.calendar, config.sla);
  return new Date(reply.at).getTime() > due.getTime();
}
