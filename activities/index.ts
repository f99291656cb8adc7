import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import mongoose from 'mongoose';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import type { ModelProvider } from '../ai/provider';
import { ModelReplyError } from '../ai/provider';
import type { Understanding } from '../ai/understanding';
import type {
  AnswerDraft,
  Classification,
  CustomerProfile,
  EscalationReason,
  HandoffSummary,
  TranscriptMessage,
} from '../domain/types';
import type { Models } from '../db/models';
import { writeConversationProjection, type ConversationProjection } from '../db/conversations';
import { readSupportConfig } from '../db/support-configs';
import { writeSlaEvent, writeTaskProjection, type TaskProjection } from '../db/tasks';
import type { SlaFiring } from '../domain/human-task';
import type { OutreachRecord } from '../domain/engagement';
import { writeOutreach } from '../db/outreach';
import { categorySubject, recordCategoryConfirmation } from '../db/feedback';
import { trainingLabel } from '../domain/training-label';
import type { KnowledgeSearch } from '../ai/knowledge-search';
import { createActionActivities, type BusinessApi } from './actions';

export interface ActivityDeps {
  models: Models;
  /** Reads each customer message: intent, confidence, grounding article, language, sentiment. */
  understanding: Understanding;
  /** Writes answers and summaries: the embedded templates or the Ollama LLM. */
  provider: ModelProvider;
  /** Answers with the article itself when `provider` writes something unusable (the embedded writer). */
  articleWriter: ModelProvider;
  knowledge: KnowledgeSearch;
  log: Logger;
  /** Receives every SLA warning, breach and return as JSON; without it they are only logged. */
  slaWebhookUrl?: string;
  /** The business's own API that actions call; without it every action fails and hands over. */
  businessApi?: BusinessApi;
}

export interface SlaNotice {
  taskId: string;
  conversationId: string;
  firing: SlaFiring;
}

export interface CategoryConfirmedOnResolve {
  conversationId: string;
  agentId: string;
  category: string;
  /** The configuration's intents of that category (the only ones the label can be), with it. */
  intentCategories: Record<string, string>;
}

export interface WebhookEvent {
  conversationId: string;
  message: TranscriptMessage;
}

/**
 * The conversation's configuration: whole for a step in process (a local activity's input is not
 * written to history), by reference for a step on a model server (db/support-configs.ts).
 */
export type ConfigOrRef = { config: SupportConfig } | { configRef: string };

const HEARTBEAT_EVERY_MS = 2000;

/**
 * Model calls can take seconds on a CPU: heartbeat while waiting so a dead worker is noticed
 * quickly, and hand the activity's cancellation to the HTTP request.
 */
async function withHeartbeats<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await call(ctx.cancellationSignal);
  } catch (err) {
    // A malformed model reply is worth one more try on the next attempt, not a crash of the worker.
    if (err instanceof ModelReplyError) throw ApplicationFailure.retryable(err.message, 'ModelReplyError');
    throw err;
  } finally {
    clearInterval(timer);
  }
}

export function createActivities(deps: ActivityDeps) {
  const { models, understanding, provider, articleWriter, knowledge, log, slaWebhookUrl, businessApi } = deps;

  /**
   * A write to our database made inside a workflow task: it fails at once while the database is
   * disconnected rather than queue behind the reconnection (the workflow task waits for it), and the
   * workflow leaves the write to its durable activity.
   */
  const whileConnected =
    <I>(write: (input: I) => Promise<unknown>) =>
    async (input: I): Promise<void> => {
      if (models.Conversation.db.readyState !== mongoose.ConnectionStates.connected) {
        throw ApplicationFailure.nonRetryable('the database is not connected', 'DatabaseUnavailable');
      }
      await write(input);
    };

  // Configurations are immutable by reference and few (one per policy version): kept once read.
  const configsByRef = new Map<string, SupportConfig>();
  const configOf = async (input: ConfigOrRef): Promise<SupportConfig> => {
    if ('config' in input) return input.config;
    const known = configsByRef.get(input.configRef) ?? (await readSupportConfig(models, input.configRef));
    if (!known) throw ApplicationFailure.nonRetryable(`there is no support configuration ${input.configRef}`, 'ConfigMissing');
    configsByRef.set(input.configRef, known);
    return known;
  };

  return {
    ...createActionActivities({ businessApi, log }),

    /**
     * How this worker runs the model's steps: in the workflow task when the model is in process
     * (milliseconds), as ordinary activities with heartbeats when a model server writes answers.
     */
    async modelPlacement(): Promise<'local' | 'remote'> {
      return provider.name === 'embedded' ? 'local' : 'remote';
    },

    /** Understands a customer message (ai/understanding.ts); `previous` lets a follow-up be read with it. */
    async classifyMessage(input: { text: string; previous?: string } & ConfigOrRef): Promise<Classification> {
      return understanding.understand({ text: input.text, previous: input.previous, config: await configOf(input) });
    },

    /** Writes the answer from the one article the message was grounded in, and nothing else. */
    async answerQuestion(
      input: {
        question: string;
        classification: Classification;
        /** The turns the writer reads, the question last (`Conversation.writerContext`). */
        transcript: TranscriptMessage[];
        customer: CustomerProfile;
      } & ConfigOrRef,
    ): Promise<AnswerDraft> {
      const articleId = input.classification.grounding?.articleId;
      const article = articleId === undefined ? undefined : await knowledge.article(articleId);
      if (!article) {
        throw ApplicationFailure.nonRetryable(`no published article ${articleId ?? '(none chosen)'} to answer from`, 'ArticleMissing');
      }
      const request = { question: input.question, transcript: input.transcript, articles: [article], customer: input.customer, config: await configOf(input) };
      return withHeartbeats(async (signal) => {
        try {
          return await provider.answer({ ...request, signal });
        } catch (err) {
          // An answer the model wrote but could not ground is not worth a retry at temperature 0,
          // nor a person's time: the article itself, in the brand's voice, answers the question.
          if (!(err instanceof ModelReplyError) || provider === articleWriter) throw err;
          log.warn({ articleId: article.id, reason: err.message }, 'the model wrote an unusable answer; answering with the article itself');
          return articleWriter.answer({ ...request, signal });
        }
      });
    },

    async summarizeHandoff(
      input: {
        transcript: TranscriptMessage[];
        customer: CustomerProfile;
        reasons: EscalationReason[];
      } & ConfigOrRef,
    ): Promise<HandoffSummary> {
      const request = { transcript: input.transcript, customer: input.customer, reasons: input.reasons, config: await configOf(input) };
      return withHeartbeats((signal) => provider.summarize({ ...request, signal }));
    },

    async projectConversation(projection: ConversationProjection): Promise<void> {
      await writeConversationProjection(models, projection);
    },

    /** The same write inside the message's workflow task (workflows/own-writes.ts). */
    projectConversationIfConnected: whileConnected((projection: ConversationProjection) => writeConversationProjection(models, projection)),

    /** Posts a new message to the customer's webhook. The receiver is outside our control: a 4xx is final. */
    async notifyWebhook(input: { url: string; event: WebhookEvent }): Promise<void> {
      const response = await fetch(input.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input.event),
        signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]),
      });
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        log.warn({ conversationId: input.event.conversationId, status: response.status }, 'webhook rejected the event');
        throw ApplicationFailure.nonRetryable(`webhook answered ${response.status}`, 'WebhookRejected');
      }
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },

    async projectTask(projection: TaskProjection): Promise<void> {
      await writeTaskProjection(models, projection);
    },

    /** The same write inside the task's workflow task (workflows/own-writes.ts). */
    projectTaskIfConnected: whileConnected((projection: TaskProjection) => writeTaskProjection(models, projection)),

    /**
     * The category an agent confirmed on resolving a task, as a training example of the
     * conversation's first customer message. One per message however often it is retried; nothing
     * when the conversation was erased since.
     */
    async recordConfirmedCategory(confirmation: CategoryConfirmedOnResolve): Promise<void> {
      const { conversationId, agentId, category, intentCategories } = confirmation;
      const subject = await categorySubject(models, conversationId);
      if (!subject) return;
      const label = trainingLabel(intentCategories, { category, predictedIntent: subject.predicted?.intent });
      await recordCategoryConfirmation(models, subject, { agentId, category, label }, new Date());
    },

    async recordSlaEvent(notice: SlaNotice): Promise<void> {
      await writeSlaEvent(models, notice.taskId, notice.conversationId, notice.firing);
    },

    /** The same write inside the workflow task of the timer that fired (workflows/own-writes.ts). */
    recordSlaEventIfConnected: whileConnected((notice: SlaNotice) => writeSlaEvent(models, notice.taskId, notice.conversationId, notice.firing)),

    /** What a signal turned into, for the quality-of-resolution figures. */
    async recordOutreach(input: { customerId: string; record: OutreachRecord }): Promise<void> {
      await writeOutreach(models, input.customerId, input.record);
    },

    /** Logs an SLA warning, breach or return and posts it to the SLA webhook when one is configured. */
    async notifySla(notice: SlaNotice): Promise<void> {
      const { firing } = notice;
      const fields = { taskId: notice.taskId, kind: firing.kind, target: firing.target, dueAt: firing.dueAt, queue: firing.queue, priority: firing.priority };
      if (firing.kind === 'warning') log.info(fields, 'SLA warning');
      else log.warn(fields, firing.kind === 'breach' ? 'SLA breached' : 'task returned to its queue');
      if (!slaWebhookUrl) return;
      const response = await fetch(slaWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: `sla.${firing.kind}`, ...notice }),
        signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]),
      });
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw ApplicationFailure.nonRetryable(`SLA webhook answered ${response.status}`, 'WebhookRejected');
      }
      if (!response.ok) throw new Error(`SLA webhook answered ${response.status}`);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
