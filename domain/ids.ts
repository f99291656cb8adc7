// Every id the system mints or derives, in one place: workflow ids (what operators look up in the
// Temporal UI), Update ids (what makes a retried request apply once) and transcript message ids.

/** A fresh random id; only use cases mint ids, never workflow code (it must replay the same). */
const randomId = (): string => globalThis.crypto.randomUUID();

export const newConversationId = randomId;
/** A widget visitor the business did not name. */
export const newVisitorId = (): string => `visitor-${randomId()}`;
export const newAuditId = randomId;
export const newArticleId = (): string => `kb-${randomId()}`;
export const newDatasetId = (): string => `dataset-${randomId()}`;
export const newTrainingId = (): string => `training-${randomId()}`;
/** One on-demand retraining per instant: a double click starts one run, not two. */
export const retrainingId = (requestedAt: Date): string => `retraining-${requestedAt.toISOString()}`;

export const conversationWorkflowId = (conversationId: string): string => `conversation-${conversationId}`;
/** The inverse, for conversations found by a visibility query. */
export const conversationIdOf = (workflowId: string): string => workflowId.slice('conversation-'.length);
export const handoffWorkflowId = (conversationId: string, n: number): string => `handoff-${conversationId}-${n}`;
export const auditWorkflowId = (auditId: string): string => `audit-${auditId}`;
/** One erasure per conversation at a time: a repeated DELETE joins the running one. */
export const erasureWorkflowId = (conversationId: string): string => `erasure-${conversationId}`;

/**
 * The Update id of a customer message: its id and a digest of its text. Temporal answers a repeated
 * Update id with the first result without asking the workflow, so a reused id with another text gets
 * a new Update id and reaches the validator, which refuses it (message_id_reused).
 */
export const messageUpdateId = (messageId: string, textDigest: string): string => `${messageId}:${textDigest}`;

/** Update ids of the clients' retriable actions, from the id the client sent. */
export const humanRequestUpdateId = (requestId: string): string => `human-${requestId}`;
export const agentReplyId = (actionId: string): string => `agent-${actionId}`;
export const agentNoteId = (actionId: string): string => `note-${actionId}`;

/** Transcript ids of what answers a customer message, derived from its id so a retry finds them. */
export const aiReplyId = (messageId: string): string => `ai-${messageId}`;
export const handoffNoticeId = (messageId: string): string => `handoff-notice-${messageId}`;
export const holdingReplyId = (messageId: string): string => `holding-${messageId}`;
export const isHandoffNotice = (transcriptId: string): boolean => transcriptId.startsWith('handoff-notice-');
export const isHoldingReply = (transcriptId: string): boolean => transcriptId.startsWith('holding-');
/** The line that confirms the email an anonymous visitor left, from the client's request id. */
export const contactNoticeId = (requestId: string): string => `contact-${requestId}`;
export const resolvedNoticeId = (handoffCount: number): string => `resolved-${handoffCount}`;
export const closingMessageId = (handoffCount: number): string => `closing-${handoffCount}`;

/** The transcript line recording an action run for a customer message. */
export const actionResultId = (messageId: string, actionName: string): string => `action-${messageId}-${actionName}`;
/**
 * The idempotency key of an action run: the conversation, the customer message that asked for or
 * confirmed it, and the action. A retried activity or a replayed workflow sends the same key, so the
 * business's API applies a write once.
 */
export const actionIdempotencyKey = (conversationId: string, messageId: string, actionName: string): string =>
  `${conversationId}:${messageId}:${actionName}`;

/** The per-customer workflow that watches for signs of a struggling customer and reaches out. */
export const engagementWorkflowId = (customerId: string): string => `engagement-${customerId}`;
/** Signal ids, one per cause: the same cause seen again (a replay, a repost) never reaches out twice. */
export const quietSignalId = (conversationId: string, messageId: string): string => `quiet-${conversationId}-${messageId}`;
export const repeatContactSignalId = (conversationId: string): string => `repeat-${conversationId}`;
export const lowCsatSignalId = (conversationId: string): string => `csat-${conversationId}`;
export const businessEventSignalId = (eventId: string): string => `event-${eventId}`;
/** The outreach task of a signal: a human task like a handoff's, so agents' routes and console take it as it is. */
export const outreachTaskId = (signalId: string): string => handoffWorkflowId(`outreach-${signalId}`, 1);
/**
 * The conversation an outreach opens when the customer has none open. A conversation id is what the
 * API takes in a path (at most 100 characters), so a long signal id is shortened to a digest.
 */
export const outreachConversationId = (signalId: string): string => {
  const id = `outreach-${signalId}`;
  return id.length <= 100 ? id : `outreach-${shortDigest(signalId)}`;
};

/** 16 hex digits of two FNV-1a hashes: deterministic without node:crypto, which workflow code may not use. */
function shortDigest(text: string): string {
  const fnv = (seed: number): string => {
    let hash = seed;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, '0');
  };
  return fnv(0x811c9dc5) + fnv(0x050c5d1f);
}
/** The internal line an outreach task leaves in the conversation, telling the agent why. */
export const outreachNoteId = (signalId: string): string => `outreach-note-${signalId}`;
/** The AI's proactive message in the transcript. */
export const proactiveMessageId = (signalId: string): string => `proactive-${signalId}`;
