import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { conversationWorkflow } from '../../workflows/conversation';
import {
  ConversationStatusAttr,
  CustomerIdAttr,
  conversationQuery,
  conversationWorkflowId,
  messagesAfterQuery,
  rateConversationUpdate,
  requestHumanUpdate,
  sendMessageUpdate,
  type ConversationInput,
} from '../../workflows/definitions';
import { listConversations, readConversation, readTranscript } from '../../db/conversations';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { createRateLimits } from '../rate-limit';
import {
  conversationIdParam,
  listConversationsQuery,
  rateBody,
  requestHumanBody,
  sendMessageBody,
  startConversationBody,
} from '../schemas';

const STREAM_POLL_MS = 500;
const STREAM_KEEPALIVE_MS = 15_000;

export function conversationRoutes(deps: ApiDeps): Router {
  const { temporal, auth, models, supportConfig, taskQueue } = deps;
  const router = Router();
  const limit = createRateLimits(deps.rateLimits);
  const handleFor = (conversationId: string) => temporal.workflow.getHandle(conversationWorkflowId(conversationId));

  /**
   * Sends an Update to the conversation. One that lands on a run finishing with continue-as-new is
   * sent again to the new run (same update id, so it is applied once); one that lands on a finished
   * conversation is a 409, and on none at all a 404.
   */
  const updateConversation = async <Ret, Args extends [unknown, ...unknown[]]>(
    conversationId: string,
    update: UpdateDefinition<Ret, Args>,
    options: { args: Args; updateId?: string },
  ): Promise<Ret> => {
    const send = () => handleFor(conversationId).executeUpdate(update, options);
    try {
      return await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw err;
      const description = await handleFor(conversationId).describe().catch(() => undefined);
      if (!description) throw new ApiError(404, 'not_found', 'There is no such conversation.');
      if (description.status.name !== 'RUNNING') {
        throw new ApiError(409, 'conversation_closed', 'This conversation is closed; start a new one.');
      }
      return send();
    }
  };

  router.post('/v1/conversations', auth.customerKey, limit.perApiKey, async (req, res) => {
    const body = startConversationBody.parse(req.body);
    const conversationId = body.conversationId ?? randomUUID();
    const input: ConversationInput = {
      conversationId,
      customer: body.customer,
      config: supportConfig,
      webhookUrl: body.webhookUrl,
      modelActivities: deps.modelActivities,
    };
    const startOptions = {
      workflowId: conversationWorkflowId(conversationId),
      taskQueue,
      args: [input] as [ConversationInput],
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      typedSearchAttributes: [
        { key: CustomerIdAttr, value: body.customer.id },
        { key: ConversationStatusAttr, value: 'ai' },
      ],
      staticSummary: `Support conversation ${conversationId} with customer ${body.customer.id}`,
    };
    const token = auth.conversationToken(conversationId);
    if (body.firstMessage) {
      const outcome = await temporal.workflow.executeUpdateWithStart(sendMessageUpdate, {
        args: [body.firstMessage],
        updateId: body.firstMessage.messageId,
        startWorkflowOperation: new WithStartWorkflowOperation(conversationWorkflow, startOptions),
      });
      res.status(201).json({ conversationId, token, outcome });
      return;
    }
    await temporal.workflow.start(conversationWorkflow, startOptions);
    res.status(201).json({ conversationId, token });
  });

  router.get('/v1/conversations', auth.customerKey, limit.perApiKey, async (req, res) => {
    const q = listConversationsQuery.parse(req.query);
    const rows = await listConversations(models, { ...q, before: q.before ? new Date(q.before) : undefined });
    res.json({
      conversations: rows.map((c) => ({
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
      })),
    });
  });

  router.post('/v1/conversations/:conversationId/messages', auth.conversation, limit.perConversation, async (req, res) => {
    const { conversationId } = conversationIdParam.parse(req.params);
    const body = sendMessageBody.parse(req.body);
    const outcome = await updateConversation(conversationId, sendMessageUpdate, { args: [body], updateId: body.messageId });
    res.json(outcome);
  });

  router.post('/v1/conversations/:conversationId/human', auth.conversation, limit.perConversation, async (req, res) => {
    const { conversationId } = conversationIdParam.parse(req.params);
    const body = requestHumanBody.parse(req.body);
    const outcome = await updateConversation(conversationId, requestHumanUpdate, { args: [body], updateId: `human-${body.requestId}` });
    res.json(outcome);
  });

  router.post('/v1/conversations/:conversationId/rating', auth.conversation, limit.perConversation, async (req, res) => {
    const { conversationId } = conversationIdParam.parse(req.params);
    const body = rateBody.parse(req.body);
    const rating = await updateConversation(conversationId, rateConversationUpdate, { args: [body] });
    res.json(rating);
  });

  router.get('/v1/conversations/:conversationId', auth.conversation, limit.perConversation, async (req, res) => {
    const { conversationId } = conversationIdParam.parse(req.params);
    try {
      const view = await handleFor(conversationId).query(conversationQuery);
      res.json({
        conversationId,
        status: view.status,
        customer: view.customer,
        category: view.category,
        handoffs: view.handoffs.map((h) => ({ taskId: h.taskId, reasons: h.reasons, queue: h.queue, priority: h.priority, at: h.at })),
        rating: view.rating,
        createdAt: view.createdAt,
        transcript: view.transcript.filter((m) => !m.internal),
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Workflow history is gone (retention): the read model still has the conversation.
      const [record, messages] = await Promise.all([readConversation(models, conversationId), readTranscript(models, conversationId)]);
      if (!record) throw new ApiError(404, 'not_found', 'There is no such conversation.');
      res.json({
        conversationId,
        status: record.status,
        customer: record.customer,
        category: record.category,
        rating: record.rating,
        createdAt: record.createdAt,
        transcript: messages
          .filter((m) => !m.internal)
          .map((m) => ({ id: m.messageId, role: m.role, text: m.text, at: m.at, citations: m.citations, authorId: m.authorId })),
      });
    }
  });

  /**
   * Server-sent events: every new transcript message (AI, agent and system) as it happens. The event
   * id is the message's position, so a reconnecting client sends Last-Event-ID and misses nothing.
   */
  router.get('/v1/conversations/:conversationId/events', auth.conversation, limit.perConversation, async (req, res) => {
    const { conversationId } = conversationIdParam.parse(req.params);
    const handle = handleFor(conversationId);
    let sent = Number(req.get('last-event-id') ?? req.query.after ?? 0);
    if (!Number.isInteger(sent) || sent < 0) throw new ApiError(400, 'invalid_request', 'after must be a message count.');
    await handle.query(messagesAfterQuery, sent); // 404 before the stream opens, not after

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders(); // the client learns the stream is open before the first message
    let open = true;
    req.on('close', () => {
      open = false;
    });
    let lastWrite = Date.now();
    while (open) {
      try {
        const { total, messages } = await handle.query(messagesAfterQuery, sent);
        for (const message of messages) {
          sent += 1;
          res.write(`id: ${sent}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
          lastWrite = Date.now();
        }
        sent = Math.max(sent, total);
      } catch (err) {
        deps.log.warn({ conversationId, err: (err as Error).message }, 'event stream query failed');
      }
      if (Date.now() - lastWrite > STREAM_KEEPALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      await new Promise((r) => setTimeout(r, STREAM_POLL_MS));
    }
    res.end();
  });

  return router;
}
