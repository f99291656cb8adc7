import { Schema, type InferSchemaType } from 'mongoose';
import type { OutreachRecord } from '../domain/engagement';
import type { Models } from './models';

// Every signal a customer's engagement workflow acted on, and what it turned into: what the
// quality-of-resolution figures count outreach and CSAT after outreach from.

export const outreachSchema = new Schema(
  {
    /** The signal id: a retried record rewrites the same document. */
    _id: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    conversationId: String,
    kind: { type: String, required: true },
    outcome: { type: String, required: true, enum: ['outreach_task', 'ai_message', 'capped', 'with_a_person', 'none'] },
    taskId: String,
    at: { type: Date, required: true, index: true },
  },
  { versionKey: false },
);

export type OutreachDocument = InferSchemaType<typeof outreachSchema>;

/** Idempotent: one document per signal. */
export async function writeOutreach(models: Models, customerId: string, record: OutreachRecord): Promise<void> {
  const { signalId, kind, outcome, conversationId, taskId, at } = record;
  await models.Outreach.updateOne({ _id: signalId }, { $set: { customerId, kind, outcome, conversationId, taskId, at: new Date(at) } }, { upsert: true });
}
