import { Router } from 'express';
import { answerSubject, categorySubject, recordAnswerFlag, recordCategoryConfirmation } from '../../db/feedback';
import { currentAgent } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { confirmCategoryBody, flagAnswerBody } from '../schemas';

// Agents teach the AI: a flagged answer (with a correction, which becomes a knowledge-base draft at
// the next retraining) and a confirmed category (which becomes a training example). Both are linked
// to the message and the model version that produced it.

export function feedbackRoutes(deps: ApiDeps): Router {
  const { auth, models, supportConfig } = deps;
  const router = Router();
  const categories = new Set(supportConfig.categories.map((c) => c.id));
  const intentsOf = (category: string): string[] =>
    Object.entries(supportConfig.intentCategories)
      .filter(([, c]) => c === category)
      .map(([intent]) => intent);

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
    if (!categories.has(body.category)) {
      throw new ApiError(422, 'unknown_category', `Unknown category; use one of: ${[...categories].join(', ')}.`);
    }
    if (body.intent !== undefined && supportConfig.intentCategories[body.intent] !== undefined && supportConfig.intentCategories[body.intent] !== body.category) {
      throw new ApiError(422, 'intent_not_in_category', 'That intent belongs to another category.');
    }
    const subject = await categorySubject(models, body.conversationId, body.messageId);
    if (!subject) throw new ApiError(404, 'not_found', 'There is no such customer message in this conversation.');
    // The training label: the agent's intent; else the model's own, if the agent agreed with its
    // category; else the category's only intent; else the category itself.
    const predicted = subject.predicted?.intent;
    const own = intentsOf(body.category);
    const label =
      body.intent ??
      (predicted !== undefined && supportConfig.intentCategories[predicted] === body.category ? predicted : undefined) ??
      (own.length === 1 ? own[0] : undefined) ??
      body.category;
    const feedbackId = await recordCategoryConfirmation(
      models,
      subject,
      { agentId: currentAgent(res).id, category: body.category, label: label as string },
      new Date(),
    );
    res.status(201).json({ feedbackId, label, modelVersion: subject.modelVersion ?? null });
  });

  return router;
}
