import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { listConversations as listStoredConversations, readConversation as readStoredConversation, readTranscript } from '../db/conversations';
import { assertNotRated, customerTranscript, emailRequested, ratingRequested, type ConversationView, type MessageOutcome, type Rating } from '../domain/conversation';
import { personWait } from '../domain/off-hours';
import { contactNoticeId, conversationWorkflowId, humanRequestUpdateId, messageUpdateId, newConversationId } from '../domain/ids';
import type { CustomerProfile } from '../domain/types';
import { conversationWorkflow } from '../workflows/conversation';
import {
  ConversationStatusAttr,
  CustomerIdAttr,
  conversationQuery,
  customerMessageSignal,
  messagesAfterQuery,
  provideEmailUpdate,
  rateConversationUpdate,
  requestHumanUpdate,
  sendMessageUpdate,
  type ConversationInput,
  type CustomerMessage,
} from '../workflows/definitions';
import type { AppContext } from './context';
import { AppError, found } from './errors';
import { noteConversationStarted } from './engagement';
import { configForNewConversation } from './policies';

// A customer's conversation with the AI: start it, send messages, ask for a person, rate it, read it.

export interface StartConversation {
  conversationId?: string;
  customer: CustomerProfile;
  webhookUrl?: string;
  firstMessage?: CustomerMessage;
}

/**
 * Starts the conversation (a second start with the same id joins the first) and answers its first
 * message within the bound, as `sendMessage` does: when no worker takes it in time, the
 * conversation starts with the message in its history as a signal, and the outcome is pending.
 */
export async function startConversation(
  ctx: AppContext,
  request: StartConversation,
): Promise<{ conversationId: string; outcome?: MessageOutcome | PendingMessage }> {
  const conversationId = request.conversationId ?? newConversationId();
  // The active policy version travels in the input: the conversation keeps it, whatever is activated later.
  const { config, configRef } = await configForNewConversation(ctx);
  const input: ConversationInput = { conversationId, customer: request.customer, config, configRef, webhookUrl: request.webhookUrl };
  const startOptions = {
    workflowId: conversationWorkflowId(conversationId),
    taskQueue: ctx.taskQueue,
    args: [input] as [ConversationInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    typedSearchAttributes: [
      { key: CustomerIdAttr, value: request.customer.id },
      { key: ConversationStatusAttr, value: 'ai' },
    ],
    staticSummary: `Support conversation ${conversationId} with customer ${request.customer.id}`,
  };
  await noteConversationStarted(ctx, { conversationId, customer: request.customer, webhookUrl: request.webhookUrl });
  const { firstMessage } = request;
  if (!firstMessage) {
    await ctx.temporal.workflow.start(conversationWorkflow, startOptions);
    return { conversationId };
  }
  const outcome = await answerWithinBound(
    ctx,
    { conversationId, messageId: firstMessage.messageId },
    () =>
      ctx.temporal.workflow.executeUpdateWithStart(sendMessageUpdate, {
        args: [firstMessage],
        updateId: updateIdOf(firstMessage),
        startWorkflowOperation: new WithStartWorkflowOperation(conversationWorkflow, startOptions),
      }),
    // Signal-with-start joins the conversation if the Update's start went through.
    () => ctx.temporal.workflow.signalWithStart(conversationWorkflow, { ...startOptions, signal: customerMessageSignal, signalArgs: [firstMessage] }),
  );
  return { conversationId, outcome };
}

/** A message the API has made durable without its reply yet: the reply comes by SSE, webhook and GET. */
export interface PendingMessage {
  conversationId: string;
  messageId: string;
  status: 'pending';
}

/** Sends a customer message; answered within `ctx.answerWithinMs` (see `answerWithinBound`). */
export function sendMessage(ctx: AppContext, conversationId: string, message: CustomerMessage): Promise<MessageOutcome | PendingMessage> {
  return answerWithinBound(
    ctx,
    { conversationId, messageId: message.messageId },
    () => updateConversation(ctx, conversationId, sendMessageUpdate, { args: [message], updateId: updateIdOf(message) }),
    () => conversationHandle(ctx, conversationId).signal(customerMessageSignal, message),
  );
}

/**
 * Answers within `ctx.answerWithinMs` whatever is down. The message goes as an Update, whose
 * validator refuses a broken rule before anything is written; when no worker has answered it in
 * time (none running, or all busy), it is written to the conversation's history as a signal, so it
 * survives any restart and is read when a worker is back. The workflow reads a message once
 * whichever way it came.
 */
async function answerWithinBound(
  ctx: AppContext,
  message: { conversationId: string; messageId: string },
  update: () => Promise<MessageOutcome>,
  signal: () => Promise<unknown>,
): Promise<MessageOutcome | PendingMessage> {
  const started = Date.now();
  try {
    return await ctx.temporal.connection.withDeadline(started + ctx.answerWithinMs - SIGNAL_BUDGET_MS, update);
  } catch (err) {
    if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw err;
  }
  await ctx.temporal.connection.withDeadline(started + ctx.answerWithinMs, signal);
  ctx.log.info(message, 'no worker answered in time; the message waits in history');
  return { ...message, status: 'pending' };
}
/** What is left of the bound, once the Update has had its time, to write the message as a signal. */
const SIGNAL_BUDGET_MS = 1_500;

/** The customer asks for a person by button; `requestId` makes a retried click count once. */
export function requestHuman(ctx: AppContext, conversationId: string, request: { requestId: string; note?: string }): Promise<MessageOutcome> {
  return updateConversation(ctx, conversationId, requestHumanUpdate, { args: [request], updateId: humanRequestUpdateId(request.requestId) });
}

export async function rateConversation(ctx: AppContext, conversationId: string, rating: { score: number; comment?: string }): Promise<Rating> {
  try {
    return await updateConversation(ctx, conversationId, rateConversationUpdate, { args: [rating] });
  } catch (err) {
    // The rating that was awaited ends the conversation: a second one is refused as already rated.
    if (err instanceof AppError && err.code === 'conversation_closed') assertNotRated((await conversationHandle(ctx, conversationId).query(conversationQuery)).rating);
    throw err;
  }
}

/** An anonymous visitor leaves an email address so that the person's answer can reach them. */
export function provideEmail(ctx: AppContext, conversationId: string, request: { requestId: string; email: string }) {
  return updateConversation(ctx, conversationId, provideEmailUpdate, { args: [request], updateId: contactNoticeId(request.requestId) });
}

/** What the customer's client should show besides the transcript: the wait for a person, an email or a rating to ask for. */
function customerPrompts(ctx: AppContext, view: ConversationView, at: Date) {
  const handoff = view.status === 'handoff' ? view.handoffs.at(-1) : undefined;
  return {
    personWait: handoff ? personWait(ctx.supportConfig.sla, handoff.priority, at) : undefined,
    askForEmail: emailRequested(view, ctx.supportConfig, at),
    askForRating: ratingRequested(view, ctx.supportConfig),
  };
}

export async function listConversations(ctx: AppContext, filter: Parameters<typeof listStoredConversations>[1]) {
  const rows = await listStoredConversations(ctx.models, filter);
  return rows.map((c) => ({
    conversationId: c._id,
    customerId: c.customerId,
    status: c.status,
    category: c.category,
    escalationReasons: c.escalationReasons,
    queue: c.queue,
    priority: c.priority,
    messageCount: c.messageCount,
    rating: c.rating?.score,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  }));
}

/** The conversation as the customer sees it: from the workflow, or from the read model once its history is gone. */
export async function readConversation(ctx: AppContext, conversationId: string) {
  try {
    const view = await conversationHandle(ctx, conversationId).query(conversationQuery);
    return {
      conversationId,
      status: view.status,
      customer: view.customer,
      category: view.category,
      handoffs: view.handoffs.map((h) => ({ taskId: h.taskId, reasons: h.reasons, queue: h.queue, priority: h.priority, at: h.at })),
      rating: view.rating,
      createdAt: view.createdAt,
      transcript: customerTranscript(view.transcript),
      prompts: customerPrompts(ctx, view, new Date()),
    };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // Workflow history is gone (retention): the read model still has the conversation.
    const [record, messages] = await Promise.all([readStoredConversation(ctx.models, conversationId), readTranscript(ctx.models, conversationId)]);
    const conversation = found(record, 'conversation');
    return {
      conversationId,
      status: conversation.status,
      customer: conversation.customer,
      category: conversation.category,
      rating: conversation.rating,
      createdAt: conversation.createdAt,
      transcript: messages
        .filter((m) => !m.internal)
        .map((m) => ({ id: m.messageId, role: m.role, text: m.text, at: m.at, citations: m.citations, authorId: m.authorId })),
    };
  }
}

/** Transcript messages after the first `after`, for a live stream; not_found when there is no such conversation. */
export function messagesAfter(ctx: AppContext, conversationId: string, after: number) {
  return conversationHandle(ctx, conversationId).query(messagesAfterQuery, after);
}

function updateIdOf(message: CustomerMessage): string {
  return messageUpdateId(message.messageId, createHash('sha256').update(message.text).digest('base64url').slice(0, 16));
}

function conversationHandle(ctx: AppContext, conversationId: string) {
  return ctx.temporal.workflow.getHandle(conversationWorkflowId(conversationId));
}

/**
 * Sends an Update to the conversation. One that lands on a run finishing with continue-as-new is
 * sent again to the new run (same update id, so it is applied once); one that lands on a finished
 * conversation is refused as closed, and on none at all as not found.
 */
async function updateConversation<Ret, Args extends [unknown, ...unknown[]]>(
  ctx: AppContext,
  conversationId: string,
  update: UpdateDefinition<Ret, Args>,
  options: { args: Args; updateId?: string },
): Promise<Ret> {
  const send = () => conversationHandle(ctx, conversationId).executeUpdate(update, options);
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw err;
    const description = await conversationHandle(ctx, conversationId)
      .describe()
      .catch(() => undefined);
    if (found(description, 'conversation').status.name !== 'RUNNING') {
      throw new AppError('conversation_closed', 'This conversation is closed; start a new one.');
    }
    return send();
  }
}
