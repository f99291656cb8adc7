import { Router } from 'express';
import * as conversations from '../../app/conversations';
import { openWidgetSession } from '../../app/widget';
import { widgetCaller } from '../auth';
import type { ApiDeps } from '../deps';
import { streamTranscript } from '../event-stream';
import type { RateLimits } from '../rate-limit';
import {
  conversationIdParam,
  listConversationsQuery,
  provideEmailBody,
  rateBody,
  requestHumanBody,
  sendMessageBody,
  startConversationBody,
  widgetSessionBody,
} from '../schemas';

export function conversationRoutes(deps: ApiDeps, limit: RateLimits): Router {
  const { auth } = deps;
  const router = Router();
  const conversationId = (params: unknown) => conversationIdParam.parse(params).conversationId;

  router.post('/v1/conversations', auth.customerKey, limit.perApiKey, async (req, res) => {
    const started = await conversations.startConversation(deps, startConversationBody.parse(req.body));
    res.status(started.outcome?.status === 'pending' ? 202 : 201).json({ ...started, token: auth.conversationToken(started.conversationId) });
  });

  // The chat widget's conversation, opened with a short-lived visitor token instead of the conversation token.
  router.post('/v1/widget/sessions', auth.widgetSession, limit.perApiKey, async (req, res) => {
    const session = await openWidgetSession(deps, widgetSessionBody.parse(req.body ?? {}), widgetCaller(res) === 'backend');
    res.status(201).json({ ...session, ...auth.visitorToken(session.conversationId) });
  });

  router.get('/v1/conversations', auth.customerKey, limit.perApiKey, async (req, res) => {
    const { before, ...filter } = listConversationsQuery.parse(req.query);
    res.json({ conversations: await conversations.listConversations(deps, { ...filter, before: before ? new Date(before) : undefined }) });
  });

  router.post('/v1/conversations/:conversationId/messages', auth.conversation, limit.perConversation, async (req, res) => {
    const result = await conversations.sendMessage(deps, conversationId(req.params), sendMessageBody.parse(req.body));
    res.status(result.status === 'pending' ? 202 : 200).json(result);
  });

  router.post('/v1/conversations/:conversationId/human', auth.conversation, limit.perConversation, async (req, res) => {
    res.json(await conversations.requestHuman(deps, conversationId(req.params), requestHumanBody.parse(req.body)));
  });

  router.post('/v1/conversations/:conversationId/rating', auth.conversation, limit.perConversation, async (req, res) => {
    res.json(await conversations.rateConversation(deps, conversationId(req.params), rateBody.parse(req.body)));
  });

  router.post('/v1/conversations/:conversationId/email', auth.conversation, limit.perConversation, async (req, res) => {
    res.json(await conversations.provideEmail(deps, conversationId(req.params), provideEmailBody.parse(req.body)));
  });

  router.get('/v1/conversations/:conversationId', auth.conversation, limit.perConversation, async (req, res) => {
    res.json(await conversations.readConversation(deps, conversationId(req.params)));
  });

  router.get('/v1/conversations/:conversationId/events', auth.conversation, limit.perConversation, async (req, res) => {
    const id = conversationId(req.params);
    await streamTranscript(req, res, (after) => conversations.messagesAfter(deps, id, after), deps.log.child({ conversationId: id }));
  });

  return router;
}
