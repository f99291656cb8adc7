import type { Models } from './models';
import type { ConversationStatus, CustomerProfile, TranscriptMessage } from '../domain/types';
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

export async function readTranscript(models: Models, conversationId: string) {
  return models.Message.find({ conversationId }).sort({ seq: 1 }).lean();
}

export async function readConversation(models: Models, conversationId: string) {
  return models.Conversation.findById(conversationId).lean();
}
