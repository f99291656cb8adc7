import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SupportConfig } from '../config/schema';
import type { ConversationState, ConversationView, MessageOutcome, Rating } from '../domain/conversation';
import type { CustomerProfile, HandoffSummary, EscalationReason, Priority, TranscriptMessage } from '../domain/types';
import type { HumanTaskState } from '../domain/human-task';
import type { BusinessEvent, EngagementMoment, EngagementState, OutreachOutcome } from '../domain/engagement';

// Every message exchanged with the workflows is defined once, here, and imported by the workflows,
// the API and the tests: nobody calls a handler by a string name.

export const CONVERSATION_TASK_QUEUE = 'tandem-conversations';

export interface ConversationInput {
  conversationId: string;
  customer: CustomerProfile;
  config: SupportConfig;
  /** `config`'s reference in the database (db/support-configs.ts), for the model steps that run as activities; absent in conversations from before. */
  configRef?: string;
  webhookUrl?: string;
  /** Set by the API in conversations started before the worker decided how it runs the model (read on replay only). */
  modelActivities?: 'local' | 'remote';
  /** Set when the workflow continues as new: the conversation so far. */
  carriedState?: ConversationState;
  /** Read-model version reached by the previous run, so projections keep counting up. */
  carriedVersion?: number;
}

export interface CustomerMessage {
  /** The client's message id; with a digest of the text it is the Update id (domain/ids.ts), so a retried POST is applied once. */
  messageId: string;
  text: string;
}

export interface AgentMessage {
  /** Unique per agent action (the handoff workflow's Update id). */
  id: string;
  agentId: string;
  text: string;
  internal: boolean;
}

/** A customer message; the result is the AI's reply or the handoff notice. */
export const sendMessageUpdate = defineUpdate<MessageOutcome, [CustomerMessage]>('sendMessage');
/**
 * The same message, written to history at once when no worker took the Update in time (all down,
 * or busy): the workflow reads it when a worker is back, applying the same rules and the same
 * message id, so a message sent both ways is applied once.
 */
export const customerMessageSignal = defineSignal<[CustomerMessage]>('customerMessage');
/** The customer asks for a person, by button rather than by words. */
export const requestHumanUpdate = defineUpdate<MessageOutcome, [{ requestId: string; note?: string }]>('requestHuman');
export const rateConversationUpdate = defineUpdate<Rating, [{ score: number; comment?: string }]>('rateConversation');
/** An anonymous visitor leaves an email address for the answer; `requestId` makes a retry count once. */
export const provideEmailUpdate = defineUpdate<TranscriptMessage, [{ requestId: string; email: string }]>('provideEmail');
export const closeConversationUpdate = defineUpdate<void, []>('closeConversation');

/** From the human-task side: an agent's reply or internal note. */
export const agentMessageSignal = defineSignal<[AgentMessage]>('agentMessage');
/** From the human-task side: the task is resolved; the AI may answer again. */
export const handoffResolvedSignal = defineSignal<[{ taskId: string; agentId: string; note?: string; closingMessage?: string }]>('handoffResolved');

/** From the conversation: the customer wrote while a person owns the conversation. */
export const customerWroteSignal = defineSignal<[{ messageId: string; at: string }]>('customerWrote');

export const conversationQuery = defineQuery<ConversationView>('conversation');
/** Transcript messages after the given count, for streaming to the customer without re-reading everything. */
export const messagesAfterQuery = defineQuery<{ total: number; messages: TranscriptMessage[] }, [number]>('messagesAfter');

/** From the customer's engagement workflow: a message the AI sends unasked, withheld while a person has the conversation. */
export const proactiveMessageSignal = defineSignal<[{ signalId: string; text: string }]>('proactiveMessage');

/** The per-customer engagement workflow: `engagement-<customerId>`. */
export interface EngagementInput {
  customerId: string;
  config: SupportConfig;
  /** Set when the workflow continues as new: the customer's signals and outreach so far. */
  carriedState?: EngagementState;
}

/** What became of a business event: its signal's outreach, or the first outcome when it was posted before. */
export interface BusinessEventOutcome {
  eventId: string;
  signalId: string;
  duplicate: boolean;
  outcome: OutreachOutcome;
  conversationId?: string;
  taskId?: string;
}

/** From a conversation (or the API, at its start): a notable moment of one of the customer's conversations. */
export const engagementMomentSignal = defineSignal<[EngagementMoment]>('engagementMoment');
/** From the API: an event in the business's systems, applied once per event id. */
export const businessEventUpdate = defineUpdate<BusinessEventOutcome, [BusinessEvent]>('businessEvent');
export const engagementQuery = defineQuery<EngagementState>('engagement');

/** What the human-task workflow is started with. */
export interface HandoffInput {
  taskId: string;
  conversationId: string;
  customer: CustomerProfile;
  reasons: EscalationReason[];
  queue: string;
  priority: Priority;
  summary: HandoffSummary;
  config: SupportConfig;
}

export const CustomerIdAttr = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const ConversationStatusAttr = defineSearchAttributeKey('ConversationStatus', 'KEYWORD');
export const CategoryAttr = defineSearchAttributeKey('Category', 'KEYWORD');
export const EscalationReasonAttr = defineSearchAttributeKey('EscalationReason', 'KEYWORD_LIST');
export const PriorityAttr = defineSearchAttributeKey('Priority', 'KEYWORD');
export const SkillQueueAttr = defineSearchAttributeKey('SkillQueue', 'KEYWORD');
export const AssignedAgentAttr = defineSearchAttributeKey('AssignedAgent', 'KEYWORD');
export const SlaBreachedAttr = defineSearchAttributeKey('SlaBreached', 'BOOL');
/** The kinds of signal a customer's engagement workflow has raised (quiet_after_doubtful_answer, event:order_late, ...). */
export const EngagementSignalAttr = defineSearchAttributeKey('EngagementSignal', 'KEYWORD_LIST');

export const claimTaskUpdate = defineUpdate<HumanTaskState, [{ agentId: string }]>('claimTask');
export const replyToCustomerUpdate = defineUpdate<HumanTaskState, [{ agentId: string; replyId: string; text: string }]>(
  'replyToCustomer',
);
export const addNoteUpdate = defineUpdate<HumanTaskState, [{ agentId: string; noteId: string; text: string }]>('addNote');
export const releaseTaskUpdate = defineUpdate<HumanTaskState, [{ agentId: string }]>('releaseTask');
export const transferTaskUpdate = defineUpdate<HumanTaskState, [{ agentId: string; queue: string }]>('transferTask');
/** `note` stays with the agents; `closingMessage` is what the customer reads. */
/** A `confirmedCategory` becomes a training example, recorded by the task's workflow until the database takes it. */
export const resolveTaskUpdate = defineUpdate<HumanTaskState, [{ agentId: string; note?: string; closingMessage?: string; confirmedCategory?: string }]>(
  'resolveTask',
);
export const taskQuery = defineQuery<HumanTaskState>('task');
/** Hands the task straight to another agent, who then holds it as if they had claimed it. */
export const transferToAgentUpdate = defineUpdate<HumanTaskState, [{ agentId: string; toAgentId: string }]>('transferToAgent');

/** A ticket audit over tickets already stored in `audit_tickets`: the input stays small. */
export interface AuditInput {
  auditId: string;
  /** Where the categorising runs; absent in audits started before batch workflows moved to the conversations queue. */
  batchTaskQueue?: string;
  total: number;
  batchSize: number;
  config: SupportConfig;
  /** Set when the workflow continues as new: the first batch still to do, and the count so far. */
  nextBatch?: number;
  categorised?: number;
}

export interface AuditProgress {
  auditId: string;
  status: 'running' | 'completed';
  total: number;
  categorised: number;
  batches: number;
  batchesDone: number;
}

export const auditProgressQuery = defineQuery<AuditProgress>('auditProgress');
