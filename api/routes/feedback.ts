import { Router } from 'express';
import { confirmCategory, flagAnswer } from '../../app/feedback';
import { currentAgent } from '../auth';
import type { ApiDeps } from '../deps';
import { confirmCategoryBody, flagAnswerBody } from '../schemas';

export function feedbackRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/v1/feedback', deps.auth.agent, async (req, res) => {
    res.status(201).json(await flagAnswer(deps, currentAgent(res).id, flagAnswerBody.parse(req.body)));
  });

  router.post('/v1/feedback/category', deps.auth.agent, async (req, res) => {
    res.status(201).json(await confirmCategory(deps, currentAgent(res).id, confirmCategoryBody.parse(req.body)));
  });

  return router;
}
