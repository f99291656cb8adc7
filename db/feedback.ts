import { Schema, type InferSchemaType } from 'mongoose';
import type { Models } from './models';

// What agents tell the AI: answers they flagged (with a corrected answer when they wrote one) and
// the categories they confirmed. Each record names the conversation, the message and the model
// version that produced it, so a retraining run can learn from it and a report can blame a version.

export const FEEDBACK_KINDS = ['incorrect', 'incomplete', 'outdated', 'inappropriate', 'other'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export const feedbackSchema = new Schema(
  {
    /** `answer:<conversationId>:<messageId>:<agentId>` or `category:<conversationId>:<messageId>`: a repeat overwrites. */
    _id: { type: String, required: true },
    type: { type: String, required: true, enum: ['answer', 'category'], index: true },
    conversationId: { type: String, required: true, index: true },
    messageId: { type: String, required: true },
    agentId: { type: String, required: true },
    /** The model version that classified the customer's message. */
    modelVersion: String,
    /** The customer's message the AI answered or the agent categorised. */
    question: { type: String, required: true },
    /** What the model said about that message. */
    predicted: { intent: String, category: String, confidence: Number },
    kind: { type: String, enum: FEEDBACK_KINDS },
    correctedAnswer: String,
    comment: String,
    /** Category the agent confirmed, and the training label it maps to. */
    category: String,
    label: String,
    createdAt: { type: Date, required: true, index: true },
  },
  { versionKey: false },
);

export type FeedbackRecord = InferSchemaType<typeof feedbackSchema>;

/** The AI message that was flagged, or the customer message that was categorised. */
export interface FeedbackSubject {
  conversationId: string;
  messageId: string;
  question: string;
  modelVersion?: string;
  predicted?: { intent: string; category: string; confidence: number };
}

export interface AnswerFlag {
  agentId: string;
  kind: FeedbackKind;
  correctedAnswer?: string;
  comment?: string;
}

export interface CategoryConfirmation {
  agentId: string;
  category: string;
  label: string;
}

interface StoredMessage {
  messageId: string;
  seq: number;
  role: string;
  text: string;
  classification?: { intent?: string | null; category?: string | null; confidence?: number | null; modelVersion?: string | null } | null;
}

async function findMessage(models: Models, conversationId: string, messageId: string): Promise<StoredMessage | undefined> {
  return ((await models.Message.findById(`${conversationId}:${messageId}`).lean()) as StoredMessage | null) ?? undefined;
}

function subjectOf(conversationId: string, messageId: string, customerMessage: StoredMessage): FeedbackSubject {
  const c = customerMessage.classification;
  return {
    conversationId,
    messageId,
    question: customerMessage.text,
    modelVersion: c?.modelVersion ?? undefined,
    predicted: c?.intent && c.category ? { intent: c.intent, category: c.category, confidence: c.confidence ?? 0 } : undefined,
  };
}

/**
 * An AI answer and the customer message it answered (the latest one before it), from the read
 * model; undefined when the conversation has no such AI message.
 */
export async function answerSubject(models: Models, conversationId: string, messageId: string): Promise<FeedbackSubject | undefined> {
  const answer = await findMessage(models, conversationId, messageId);
  if (!answer || answer.role !== 'ai') return undefined;
  const asked = (await models.Message.findOne({ conversationId, role: 'customer', seq: { $lt: answer.seq } })
    .sort({ seq: -1 })
    .lean()) as StoredMessage | null;
  return asked ? subjectOf(conversationId, messageId, asked) : undefined;
}

/**
 * The customer message an agent categorised: the one named, or else the conversation's first
 * customer message (the one that decided its routing).
 */
export async function categorySubject(models: Models, conversationId: string, messageId?: string): Promise<FeedbackSubject | undefined> {
  const message = messageId
    ? await findMessage(models, conversationId, messageId)
    : (((await models.Message.findOne({ conversationId, role: 'customer' }).sort({ seq: 1 }).lean()) as StoredMessage | null) ?? undefined);
  if (!message || message.role !== 'customer') return undefined;
  return subjectOf(conversationId, message.messageId, message);
}

export async function recordAnswerFlag(models: Models, subject: FeedbackSubject, flag: AnswerFlag, at: Date): Promise<string> {
  const id = `answer:${subject.conversationId}:${subject.messageId}:${flag.agentId}`;
  await models.Feedback.replaceOne({ _id: id }, { type: 'answer', ...subject, ...flag, createdAt: at }, { upsert: true });
  return id;
}

export async function recordCategoryConfirmation(
  models: Models,
  subject: FeedbackSubject,
  confirmation: CategoryConfirmation,
  at: Date,
): Promise<string> {
  const id = `category:${subject.conversationId}:${subject.messageId}`;
  await models.Feedback.replaceOne({ _id: id }, { type: 'category', ...subject, ...confirmation, createdAt: at }, { upsert: true });
  return id;
}

export interface LabelledExample {
  text: string;
  label: string;
}

/** Every agent-confirmed category up to `until`, as training examples: lessons are kept week after week. */
export async function confirmedExamples(models: Models, until: Date): Promise<LabelledExample[]> {
  const docs = await models.Feedback.find({ type: 'category', createdAt: { $lte: until } }, { question: 1, label: 1 }).sort({ _id: 1 }).lean();
  return docs.filter((d) => d.label).map((d) => ({ text: d.question, label: d.label as string }));
}

export interface CorrectedAnswer {
  feedbackId: string;
  question: string;
  correctedAnswer: string;
  intent?: string;
  category?: string;
}

/** Flagged answers with an agent's correction, in the window. */
export async function correctedAnswers(models: Models, since: Date, until: Date): Promise<CorrectedAnswer[]> {
  const docs = await models.Feedback.find({ type: 'answer', createdAt: { $gt: since, $lte: until } }).sort({ _id: 1 }).lean();
  return docs
    .filter((d) => d.correctedAnswer)
    .map((d) => ({
      feedbackId: d._id,
      question: d.question,
      correctedAnswer: d.correctedAnswer as string,
      intent: d.predicted?.intent ?? undefined,
      category: d.predicted?.category ?? undefined,
    }));
}

export interface FeedbackCounts {
  flagged: number;
  byKind: Record<string, number>;
  confirmedCategories: number;
  correctedAnswers: number;
  /** Flags per model version that produced the flagged answer. */
  flaggedByModel: Record<string, number>;
}

/** Counted in process: FerretDB's aggregation subset is small. */
export async function countFeedback(models: Models, since: Date, until: Date): Promise<FeedbackCounts> {
  const docs = await models.Feedback.find({ createdAt: { $gt: since, $lte: until } }, { type: 1, kind: 1, correctedAnswer: 1, modelVersion: 1 }).lean();
  const counts: FeedbackCounts = { flagged: 0, byKind: {}, confirmedCategories: 0, correctedAnswers: 0, flaggedByModel: {} };
  for (const d of docs) {
    if (d.type === 'category') {
      counts.confirmedCategories += 1;
      continue;
    }
    counts.flagged += 1;
    const kind = d.kind ?? 'other';
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    if (d.correctedAnswer) counts.correctedAnswers += 1;
    const version = d.modelVersion ?? 'unknown';
    counts.flaggedByModel[version] = (counts.flaggedByModel[version] ?? 0) + 1;
  }
  return counts;
}
