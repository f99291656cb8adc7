import { z } from 'zod';
import { supportConfigSchema } from '../config/schema';
import { MAX_MESSAGE_LENGTH } from '../domain/conversation';
import { MAX_CLIENT_ID_LENGTH, type RuleCode } from '../domain/rules';

// One schema per request body and query; the OpenAPI document is generated from these same
// schemas, so validation and documentation cannot drift apart.

/**
 * Text with something in it, stored trimmed. Documented as a pattern (not a minimum length after
 * trimming, which the OpenAPI document cannot say), so clients and fuzzers know "\n" is refused.
 */
const nonBlank = (max: number) => z.string().regex(/\S/, 'must not be blank').trim().max(max);
/** A plain address check stated as a pattern, so the document and the validator agree on it. */
const emailAddress = z.string().max(320).regex(/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/, 'an email address');

const id = z
  .string()
  .max(MAX_CLIENT_ID_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, `letters, digits, _ and - only, at most ${MAX_CLIENT_ID_LENGTH}`);
/**
 * Text under the limit a domain rule enforces, so the document tells clients the truth; over it the
 * check reports the rule's code, and the API answers as the workflow would (api/errors.ts).
 */
const textWithin = (max: number) => z.string().max(max, { error: 'message_too_long' satisfies RuleCode });
const messageText = textWithin(MAX_MESSAGE_LENGTH);
/** Agents may write twice what a customer may (the human-task rules' limit). */
const agentText = textWithin(MAX_MESSAGE_LENGTH * 2);

export const customerProfileSchema = z
  .object({
    id,
    name: z.string().min(1).max(200),
    /** Optional: an anonymous visitor is asked for one when nobody can answer at once. */
    email: emailAddress.optional(),
    tier: z.string().max(50).optional(),
    plan: z.string().max(100).optional(),
    lifetimeValue: z.number().nonnegative().max(1e12).optional(),
  })
  .strict();

export const startConversationBody = z
  .object({
    conversationId: id.optional(),
    customer: customerProfileSchema,
    /** An https (or loopback http) URL that receives every new message for the customer. */
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    firstMessage: z.object({ messageId: id, text: messageText }).strict().optional(),
  })
  .strict();

export const sendMessageBody = z.object({ messageId: id, text: messageText }).strict();

export const requestHumanBody = z.object({ requestId: id, note: messageText.optional() }).strict();

export const rateBody = z.object({ score: z.number().int().min(1).max(5), comment: z.string().max(2000).optional() }).strict();

export const provideEmailBody = z.object({ requestId: id, email: emailAddress }).strict();

/** The business's backend (API key) names its visitor; a browser (widget key) may give a name and email only. */
export const widgetSessionBody = z
  .object({
    visitor: z
      .object({ id: id.optional(), name: z.string().min(1).max(200).optional(), email: emailAddress.optional() })
      .strict()
      .optional(),
    /** Resume this conversation (API key only); without it, the visitor's latest open one or a new one. */
    conversationId: id.optional(),
  })
  .strict();

// ---- responses the typed client reads (documented in /openapi.json, so client/ gets their types) ----

const transcriptMessage = z
  .object({
    id: z.string(),
    role: z.enum(['customer', 'ai', 'agent', 'system']),
    text: z.string(),
    at: z.string(),
    authorId: z.string().optional(),
    citations: z.array(z.string()).optional(),
  })
  .loose();

export const widgetSessionResult = z.object({
  conversationId: z.string(),
  /** Opens this conversation only, until `expiresAt`. */
  token: z.string(),
  expiresAt: z.string(),
  /** The visitor's open conversation was found (API key with a visitor id), or the one named was joined. */
  resumed: z.boolean(),
});

export const messageOutcomeResult = z
  .object({
    conversationId: z.string(),
    messageId: z.string(),
    status: z.enum(['ai', 'handoff', 'closed']),
    reply: transcriptMessage.optional(),
    handoff: z.object({ taskId: z.string(), queue: z.string(), priority: z.string() }).loose().optional(),
  })
  .loose();

/** 202: the message is durable and its reply is not ready within the bound; it comes by SSE, webhook and GET. */
export const pendingMessageResult = z.object({ conversationId: z.string(), messageId: z.string(), status: z.literal('pending') }).strict();

export const conversationResult = z
  .object({
    conversationId: z.string(),
    status: z.enum(['ai', 'handoff', 'closed']),
    transcript: z.array(transcriptMessage),
    rating: z.object({ score: z.number() }).loose().optional(),
    /** Absent once the conversation's workflow history is gone. */
    prompts: z
      .object({
        personWait: z
          .union([
            z.object({ staffedNow: z.literal(true), withinMinutes: z.number() }),
            z.object({ staffedNow: z.literal(false), notice: z.string() }),
          ])
          .optional(),
        askForEmail: z.boolean(),
        askForRating: z.boolean(),
      })
      .optional(),
  })
  .loose();

export const listConversationsQuery = z
  .object({
    status: z.enum(['ai', 'handoff', 'closed']).optional(),
    category: z.string().max(64).optional(),
    escalationReason: z.string().max(64).optional(),
    customerId: id.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.iso.datetime().optional(),
  })
  .strict();

export const conversationIdParam = z.object({ conversationId: id });

export const claimBody = z.object({}).strict();
export const agentTextBody = z.object({ actionId: id, text: agentText }).strict();
/** To a queue (unclaimed there) or straight to another agent. */
export const transferBody = z.union([
  z.object({ queue: z.string().min(1).max(64) }).strict(),
  z.object({ agentId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }).strict(),
]);
export const listAgentTasksQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export const resolveBody = z
  .object({
    /** For agents only: why and how it was resolved. */
    note: z.string().max(4000).optional(),
    /** The agent's last words to the customer, shown in their transcript. */
    closingMessage: nonBlank(4000).optional(),
    /** The category the conversation really was: becomes a training example. */
    confirmedCategory: z.string().regex(/^[a-z][a-z0-9_]*$/).max(64).optional(),
  })
  .strict();
// Outreach tasks are named for their signal (handoff-outreach-quiet-<conversation>-<message>-1): longer than a handoff's.
export const taskIdParam = z.object({ taskId: z.string().regex(/^handoff-[A-Za-z0-9_-]{1,320}-\d{1,6}$/) });

const columnName = z.string().min(1).max(200);
/** A ticket export to audit: the file's content as a string, CSV or JSON (an array of objects). */
export const auditUploadBody = z
  .object({
    /** Chosen by the client to make a retried upload idempotent; a new one is made otherwise. */
    auditId: id.optional(),
    format: z.enum(['csv', 'json']),
    content: z.string().min(1),
    /** Column names, when they are not one of the usual ones (id, date, text, ...). */
    columns: z.object({ id: columnName.optional(), date: columnName.optional(), text: columnName.optional() }).strict().optional(),
    /** Where the tickets came from, e.g. the file name; shown in the Temporal UI. */
    source: z.string().max(200).optional(),
    batchSize: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export const auditIdParam = z.object({ auditId: id });

export const metricsQuery = z
  .object({
    /** Start of the window (ISO time); the default is 30 days ago. */
    since: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

// ---- proactive engagement ----------------------------------------------------------------------

/** An event in the business's systems; `kind` must be one the support configuration lists under `engagement.businessEvents`. */
export const businessEventBody = z
  .object({
    /** The business's own id for the event: posting it again is safe and changes nothing. */
    eventId: id,
    customerId: id,
    kind: z.string().regex(/^[a-z][a-z0-9_]*$/).max(64),
    orderNumber: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).optional(),
  })
  .strict();

export const businessEventResult = z.object({
  eventId: z.string(),
  signalId: z.string(),
  /** This event id was posted before: the outcome is the first one's. */
  duplicate: z.boolean(),
  outcome: z.enum(['outreach_task', 'ai_message', 'capped', 'with_a_person', 'none']),
  conversationId: z.string().optional(),
  taskId: z.string().optional(),
});

// ---- knowledge base, model versions, feedback ----------------------------------------------------

const articleId = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . and - only, at most 100');
const label = nonBlank(64);
const articleContent = {
  title: nonBlank(200),
  /** Questions the article answers: retrieval matches customer messages against them. */
  questions: z.array(nonBlank(500)).min(1).max(50),
  body: nonBlank(8000),
  category: label,
  intent: label.optional(),
};
export const articleIdParam = z.object({ articleId });
export const listArticlesQuery = z
  .object({
    status: z.enum(['published', 'draft', 'retired']).optional(),
    category: label.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const addArticleBody = z
  .object({ id: articleId.optional(), ...articleContent, status: z.enum(['published', 'draft']).default('published') })
  .strict();
export const updateArticleBody = z.object(articleContent).strict();

const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ and - only, at most 64');
export const modelIdParam = z.object({ modelId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/) });
export const trainingIdParam = z.object({ trainingId: z.string().regex(/^training-[A-Za-z0-9_-]{1,100}$/) });
/** A labelled CSV uploaded as text, or a dataset uploaded before. */
export const trainModelBody = z.union([
  z.object({ csv: z.string().min(1), textColumn: z.string().min(1).max(200), labelColumn: z.string().min(1).max(200), name: modelName.optional() }).strict(),
  z.object({ datasetId: id, name: modelName.optional() }).strict(),
]);
export const retrainBody = z
  .object({
    /** How far back the run gathers feedback. */
    windowDays: z.number().int().min(1).max(365).default(7),
    /** Train on this uploaded dataset instead of the configured base data (evaluation stays on the base data). */
    baseDatasetId: id.optional(),
  })
  .strict();
export const retrainingIdParam = z.object({ retrainingId: z.string().regex(/^retraining-[A-Za-z0-9:._-]{1,100}$/) });

export const flagAnswerBody = z
  .object({
    conversationId: id,
    /** The AI message being flagged. */
    messageId: id,
    kind: z.enum(['incorrect', 'incomplete', 'outdated', 'inappropriate', 'other']),
    correctedAnswer: nonBlank(8000).optional(),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict();
export const confirmCategoryBody = z
  .object({
    conversationId: id,
    /** The customer message categorised; the conversation's first customer message when left out. */
    messageId: id.optional(),
    category: label,
    /** The precise label (e.g. an intent) when the agent knows it; otherwise derived from the category. */
    intent: label.optional(),
  })
  .strict();

// ---- decision records and policy versions ------------------------------------------------------

/** A configuration version's number, as a path parameter. */
export const policyVersionParam = z.object({ version: z.string().regex(/^[1-9][0-9]{0,8}$/, 'a version number').transform(Number) });
export const whatIfBody = z
  .object({
    /** The candidate support configuration, whole, as the configuration file holds it. */
    config: supportConfigSchema,
    /** Replay the latest this many recorded conversations (created in the window, when one is given). */
    last: z.number().int().min(1).max(5000).default(200),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export const putPolicyBody = z
  .object({
    config: supportConfigSchema,
    /** Why this version: kept with it for whoever reads the change log. */
    note: z.string().max(500).optional(),
  })
  .strict();
