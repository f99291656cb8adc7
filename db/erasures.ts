import type { Model } from 'mongoose';
import type { Models } from './models';

// The database's side of erasing a conversation on request.

/**
 * Deletes every read model that names the conversation: the conversation itself, messages, tasks,
 * SLA events, feedback, and whatever is added later; the erasure log is kept. Returns the documents
 * deleted by collection. Idempotent: a retry deletes what an earlier attempt left.
 */
export async function eraseReadModels(models: Models, conversationId: string): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {
    conversations: (await models.Conversation.deleteMany({ _id: conversationId })).deletedCount,
  };
  for (const [name, model] of Object.entries(models) as unknown as [string, Model<{ conversationId: string }>][]) {
    if (name === 'Erasure' || name === 'Conversation' || !model.schema.path('conversationId')) continue;
    deleted[model.collection.collectionName] = (await model.deleteMany({ conversationId })).deletedCount;
  }
  return deleted;
}

export interface ErasureRecord {
  conversationId: string;
  erasedAt: Date;
  workflowsDeleted: string[];
  deleted: Record<string, number>;
}

/** The audit entry of one erasure: ids and counts only. Written once however often it is retried. */
export async function recordErasure(models: Models, erasure: ErasureRecord): Promise<void> {
  const _id = `${erasure.conversationId}:${erasure.erasedAt.getTime()}`;
  await models.Erasure.replaceOne({ _id }, erasure, { upsert: true });
}
