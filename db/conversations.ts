import type { MessageRecord, Models } from './models';
import type { Classification, ConversationStatus, CustomerProfile, DecisionRecord, Role, TranscriptMessage } from '../domain/types';
import type { RecordedConversation } from '../domain/what-if';
import type { Rating } from '../domain/conversation';
import { isDuplicateKey, writeVersioned } from './versioned-write';

/** One state of a conversation as the workflow saw it, written to the read models. */
export interface ConversationProjection {
  conversationId: string;
  version: number;
  customer: CustomerProfile;
  status: ConversationStatus;
  category?: string;
  escalationReasons: string[];
  queue?: string;
  priority?: string;
  handoffTaskIds: string[];
  rating?: Rating;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  /** Messages new or changed since the previous projection, with their transcript positions. */
  messages: { seq: number; message: TranscriptMessage }[];
}

/**
 * Idempotent: a retried or late projection rewrites nothing it already wrote and never moves a
 * conversation back to an older state. Messages never change once projected, so they are inserted
 * and a retry's duplicates skipped: on FerretDB an upsert costs many times an insert.
 */
export async function writeConversationProjection(models: Models, p: ConversationProjection): Promise<void> {
  if (p.messages.length > 0) {
    try {
      await models.Message.insertMany(
        p.messages.map(({ seq, message }) => ({
          _id: `${p.conversationId}:${message.id}`,
          conversationId: p.conversationId,
          messageId: message.id,
          seq,
          role: message.role,
          text: message.text,
          at: new Date(message.at),
          authorId: message.authorId,
          internal: message.internal,
          citations: message.citations,
          classification: message.classification,
          action: message.action,
          decision: message.decision,
        })),
        { ordered: false },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  await writeVersioned(models.Conversation, p.conversationId, p.version, {
    customerId: p.customer.id,
    customer: p.customer,
    status: p.status,
    category: p.category,
    escalationReasons: p.escalationReasons,
    queue: p.queue,
    priority: p.priority,
    handoffTaskIds: p.handoffTaskIds,
    rating: p.rating,
    messageCount: p.messageCount,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  });
}

export interface ConversationFilter {
  status?: string;
  category?: string;
  escalationReason?: string;
  customerId?: string;
  limit: number;
  /** Return conversations updated strictly before this time (paging). */
  before?: Date;
}

export async function listConversations(models: Models, f: ConversationFilter) {
  const query: Record<string, unknown> = {};
  if (f.status) query.status = f.status;
  if (f.category) query.category = f.category;
  if (f.escalationReason) query.escalationReasons = f.escalationReason;
  if (f.customerId) query.customerId = f.customerId;
  if (f.before) query.updatedAt = { $lt: f.before };
  return models.Conversation.find(query).sort({ updatedAt: -1 }).limit(f.limit).lean();
}

/** A stored message as the transcript line the workflow recorded. */
function transcriptMessageOf(m: MessageRecord): TranscriptMessage {
  return {
    id: m.messageId,
    role: m.role as Role,
    text: m.text,
    at: m.at.toISOString(),
    authorId: m.authorId ?? undefined,
    internal: m.internal ?? undefined,
    citations: m.citations,
    classification: (m.classification ?? undefined) as Classification | undefined,
    action: (m.action ?? undefined) as TranscriptMessage['action'],
    decision: (m.decision ?? undefined) as DecisionRecord | undefined,
  };
}

/** The transcript as recorded, internal lines included, once the workflow's history is gone. */
export async function readRecordedTranscript(models: Models, conversationId: string): Promise<TranscriptMessage[]> {
  return (await readTranscript(models, conversationId)).map(transcriptMessageOf);
}

export async function readTranscript(models: Models, conversationId: string) {
  return models.Message.find({ conversationId }).sort({ seq: 1 }).lean();
}

/**
 * The latest conversations (created in the window, newest first, at most `limit`) with their
 * transcripts as recorded, internal lines included: what the what-if replays.
 */
export async function readRecordedConversations(
  models: Models,
  window: { limit: number; since?: Date; until?: Date },
): Promise<RecordedConversation[]> {
  const created: Record<string, Date> = {};
  if (window.since) created.$gte = window.since;
  if (window.until) created.$lt = window.until;
  const conversations = await models.Conversation.find(window.since || window.until ? { createdAt: created } : {}, { customer: 1, createdAt: 1 })
    .sort({ createdAt: -1 })
    .limit(window.limit)
    .lean();
  const transcripts = new Map<string, Array<{ seq: number; message: TranscriptMessage }>>(conversations.map((c) => [c._id, []]));
  // One query for every transcript; ordered here, as FerretDB sorts only what it scanned.
  const messages = await models.Message.find({ conversationId: { $in: [...transcripts.keys()] } }).lean();
  for (const m of messages) transcripts.get(m.conversationId)?.push({ seq: m.seq, message: transcriptMessageOf(m) });
  return conversations.map((c) => ({
    conversationId: c._id,
    customer: c.customer as CustomerProfile,
    createdAt: c.createdAt.toISOString(),
    transcript: (transcripts.get(c._id) ?? []).sort((a, b) => a.seq - b.seq).map((entry) => entry.message),
  }));
}

export async function readConversation(models: Models, conversationId: string) {
  return models.Conversation.findById(conversationId).lean();
}
