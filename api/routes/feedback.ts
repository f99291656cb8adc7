import { Router } from 'express';
import { answerSubject, recordAnswerFlag } from '../../db/feedback';
import { confirmCategory } from '../category-confirmation';
import { currentAgent } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { confirmCategoryBody, flagAnswerBody } from '../schemas';

// Agents teach the AI: a flagged answer (with a correction, which becomes a knowledge-base draft at
// the next retraining) and a confirmed category (which becomes a training example). Both are linked
// to the message and the model version that produced it.

export function feedbackRoutes(deps: ApiDeps): Router {
  const { auth, models } = deps;
  const router = Router();

  router.post('/v1/feedback', auth.agent, async (req, res) => {
    const body = flagAnswerBody.parse(req.body);
    const subject = await answerSubject(models, body.conversationId, body.messageId);
    if (!subject) throw new ApiError(404, 'not_found', 'There is no such AI answer in this conversation.');
    const flag = { agentId: currentAgent(res).id, kind: body.kind, correctedAnswer: body.correctedAnswer, comment: body.comment };
    const feedbackId = await recordAnswerFlag(models, subject, flag, new Date());
    res.status(201).json({ feedbackId, modelVersion: subject.modelVersion ?? null });
  });

  router.post('/v1/feedback/category', auth.agent, async (req, res) => {
    const body = confirmCategoryBody.parse(req.body);
    res.status(201).json(await confirmCategory(deps, { ...body, agentId: currentAgent(res).id }));
  });

  return router;
}
