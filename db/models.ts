import mongoose, { Schema, type InferSchemaType, type Connection } from 'mongoose';
import { auditSchema, auditTicketSchema } from './audits';
import { feedbackSchema } from './feedback';
import { outreachSchema } from './outreach';
import { modelVersionSchema, retrainingRunSchema, settingSchema, trainingDatasetSchema } from './model-versions';
import { workerHeartbeatSchema } from './worker-heartbeats';
import { policyChangeSchema, policyVersionSchema } from './policies';
import { storedSupportConfigSchema } from './support-configs';

// Read models projected from the workflows, plus the knowledge base. Every schema here must work on
// FerretDB as well as MongoDB: no transactions, TTL or sparse indexes, and only simple queries.

const classificationSchema = new Schema(
  {
    intent: String,
    category: String,
    confidence: Number,
    sentiment: Number,
    modelVersion: String,
    language: String,
    /** The retrieval candidates and the article for the intent: the decision record and the what-if read them. */
    grounding: Schema.Types.Mixed,
    readWithPrevious: Boolean,
  },
  { _id: false },
);

const messageSchema = new Schema(
  {
    /** `<conversationId>:<messageId>`: a retried projection rewrites the same document. */
    _id: { type: String, required: true },
    conversationId: { type: String, required: true, index: true },
    messageId: { type: String, required: true },
    /** Position in the transcript; the transcript is ordered by it. */
    seq: { type: Number, required: true },
    role: { type: String, required: true, enum: ['customer', 'ai', 'agent', 'system'] },
    text: { type: String, required: true },
    at: { type: Date, required: true },
    authorId: String,
    internal: Boolean,
    citations: [String],
    classification: classificationSchema,
    /** A call to the business's systems this line records (internal, for the agent and metrics). */
    action: { type: new Schema({ name: String, ok: Boolean }, { _id: false }), default: undefined },
    /** Why the AI did what it did with this customer message, as the workflow recorded it. */
    decision: Schema.Types.Mixed,
  },
  { versionKey: false },
);

const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    customer: {
      id: String,
      name: String,
      email: String,
      tier: String,
      plan: String,
      lifetimeValue: Number,
    },
    status: { type: String, required: true, index: true },
    category: { type: String, index: true },
    escalationReasons: { type: [String], index: true },
    queue: String,
    priority: String,
    handoffTaskIds: [String],
    messageCount: { type: Number, required: true },
    rating: { score: Number, comment: String, at: Date, handler: String },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true, index: true },
    /** Counts the workflow's state changes: a late, older projection never overwrites a newer one. */
    version: { type: Number, required: true },
  },
  { versionKey: false },
);

const knowledgeArticleSchema = new Schema(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true },
    questions: { type: [String], required: true },
    body: { type: String, required: true },
    category: { type: String, required: true, index: true },
    intent: String,
    status: { type: String, required: true, enum: ['published', 'draft', 'retired'], index: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** The agents' view of a human task, projected from its handoff workflow. */
const taskSchema = new Schema(
  {
    /** The handoff workflow id. */
    _id: { type: String, required: true },
    conversationId: { type: String, required: true, index: true },
    customer: { id: String, name: String },
    queue: { type: String, required: true, index: true },
    priority: { type: String, required: true },
    /** 0 = urgent .. 3 = low, so agent lists sort most urgent first. */
    priorityRank: { type: Number, required: true },
    status: { type: String, required: true, index: true, enum: ['waiting', 'claimed', 'resolved'] },
    assignee: { type: String, index: true },
    reasons: [String],
    summary: { issue: String, aiTried: String, mood: String, suggestedFirstLine: String },
    /** The earliest running SLA deadline, breached ones included. */
    nextDeadline: Date,
    deadlines: [{ _id: false, target: String, dueAt: Date, breachedAt: Date, stoppedAt: Date }],
    slaBreached: { type: Boolean, required: true },
    slaOutcomes: { firstResponse: String, nextResponse: String, resolution: String },
    returnDueAt: Date,
    createdAt: { type: Date, required: true },
    resolvedAt: Date,
    updatedAt: { type: Date, required: true },
    /** Counts the workflow's state changes: a late, older projection never overwrites a newer one. */
    version: { type: Number, required: true },
  },
  { versionKey: false },
);

/** A warning, breach or return: what reports count SLA performance from. */
const slaEventSchema = new Schema(
  {
    /** `<taskId>:<kind>:<target>:<dueAt>`: a retried record rewrites the same document. */
    _id: { type: String, required: true },
    taskId: { type: String, required: true, index: true },
    conversationId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['warning', 'breach', 'returned'] },
    target: String,
    dueAt: { type: Date, required: true },
    /** Workflow time when the timer fired. */
    firedAt: { type: Date, required: true },
    /** How late the timer fired, in ms. */
    lateMs: { type: Number, required: true },
    priority: String,
    queue: String,
    agentId: String,
    actions: [String],
  },
  { versionKey: false },
);

/** That a conversation was erased on request, and when: ids and counts only, no personal data. */
const erasureSchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true, index: true },
    erasedAt: { type: Date, required: true },
    workflowsDeleted: [String],
    /** Documents deleted, by collection. */
    deleted: { type: Map, of: Number },
  },
  { versionKey: false },
);

export type MessageRecord = InferSchemaType<typeof messageSchema>;
export type ConversationRecord = InferSchemaType<typeof conversationSchema>;
export type KnowledgeArticleRecord = InferSchemaType<typeof knowledgeArticleSchema>;
export type TaskRecord = InferSchemaType<typeof taskSchema>;
export type SlaEventRecord = InferSchemaType<typeof slaEventSchema>;

/** The models bound to one connection: one per process, shared by every request and activity. */
export function createModels(connection: Connection) {
  return {
    Message: connection.model('Message', messageSchema, 'messages'),
    Conversation: connection.model('Conversation', conversationSchema, 'conversations'),
    KnowledgeArticle: connection.model('KnowledgeArticle', knowledgeArticleSchema, 'knowledge_articles'),
    Task: connection.model('Task', taskSchema, 'tasks'),
    SlaEvent: connection.model('SlaEvent', slaEventSchema, 'sla_events'),
    Erasure: connection.model('Erasure', erasureSchema, 'erasures'),
    ModelVersion: connection.model('ModelVersion', modelVersionSchema, 'model_versions'),
    Setting: connection.model('Setting', settingSchema, 'settings'),
    TrainingDataset: connection.model('TrainingDataset', trainingDatasetSchema, 'training_datasets'),
    RetrainingRun: connection.model('RetrainingRun', retrainingRunSchema, 'retraining_runs'),
    Feedback: connection.model('Feedback', feedbackSchema, 'feedback'),
    Audit: connection.model('Audit', auditSchema, 'audits'),
    AuditTicket: connection.model('AuditTicket', auditTicketSchema, 'audit_tickets'),
    WorkerHeartbeat: connection.model('WorkerHeartbeat', workerHeartbeatSchema, 'worker_heartbeats'),
    Outreach: connection.model('Outreach', outreachSchema, 'outreach'),
    PolicyVersion: connection.model('PolicyVersion', policyVersionSchema, 'policy_versions'),
    PolicyChange: connection.model('PolicyChange', policyChangeSchema, 'policy_changes'),
    StoredSupportConfig: connection.model('StoredSupportConfig', storedSupportConfigSchema, 'support_configs'),
  };
}

export type Models = ReturnType<typeof createModels>;

export async function connectDatabase(url: string): Promise<{ connection: Connection; models: Models }> {
  const connection = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: 5000,
    // FerretDB has no retryable-writes support; our writes are idempotent upserts instead.
    retryWrites: false,
  });
  await connection.asPromise();
  const models = createModels(connection);
  await Promise.all(Object.values(models).map((model) => model.init()));
  return { connection, models };
}
