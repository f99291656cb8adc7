import { Router } from 'express';
import { eraseConversation, exportConversation } from '../../app/privacy';
import type { ApiDeps } from '../deps';
import type { RateLimits } from '../rate-limit';
import { conversationIdParam } from '../schemas';

export function privacyRoutes(deps: ApiDeps, limit: RateLimits): Router {
  const { auth } = deps;
  const router = Router();

  router.get('/v1/conversations/:conversationId/export', auth.conversationOrOperator, limit.perConversation, async (req, res) => {
    res.json(await exportConversation(deps, conversationIdParam.parse(req.params).conversationId));
  });

  router.delete('/v1/conversations/:conversationId', auth.operator, async (req, res) => {
    res.json(await eraseConversation(deps, conversationIdParam.parse(req.params).conversationId));
  });

  return router;
}
