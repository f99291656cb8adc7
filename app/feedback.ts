import { answerSubject, categorySubject, recordAnswerFlag, recordCategoryConfirmation, type AnswerFlag } from '../db/feedback';
import { RuleViolation } from '../domain/rules';
import { trainingLabel } from '../domain/training-label';
import { assertKnownCategory } from './categories';
import type { AppContext } from './context';
import { found } from './errors';

// Agents teach the AI: a flagged answer (with a correction, which becomes a knowledge-base draft at
// the next retraining) and a confirmed category (which becomes a training example). Both are linked
// to the message and the model version that produced it.

/** An agent's flag on one AI answer. */
export type FlaggedAnswer = Omit<AnswerFlag, 'agentId'> & { conversationId: string; messageId: string };

export async function flagAnswer(ctx: AppContext, agentId: string, flag: FlaggedAnswer): Promise<{ feedbackId: string; modelVersion: string | null }> {
  const subject = found(await answerSubject(ctx.models, flag.conversationId, flag.messageId), 'AI answer in this conversation');
  const { kind, correctedAnswer, comment } = flag;
  const feedbackId = await recordAnswerFlag(ctx.models, subject, { agentId, kind, correctedAnswer, comment }, new Date());
  return { feedbackId, modelVersion: subject.modelVersion ?? null };
}

export interface CategoryConfirmation {
  conversationId: string;
  messageId?: string;
  category: string;
  intent?: string;
}

/**
 * An agent says which category a conversation really was: stored as a training example for the
 * next retraining, linked to the message and the model version that classified it.
 */
export async function confirmCategory(
  ctx: AppContext,
  agentId: string,
  input: CategoryConfirmation,
): Promise<{ feedbackId: string; label: string; modelVersion: string | null }> {
  const { supportConfig } = ctx;
  assertKnownCategory(supportConfig, input.category);
  const intentCategory = input.intent === undefined ? undefined : supportConfig.intentCategories[input.intent];
  if (intentCategory !== undefined && intentCategory !== input.category) {
    throw new RuleViolation('intent_not_in_category', 'That intent belongs to another category.');
  }
  const subject = found(await categorySubject(ctx.models, input.conversationId, input.messageId), 'customer message in this conversation');
  const label = trainingLabel(supportConfig.intentCategories, { category: input.category, intent: input.intent, predictedIntent: subject.predicted?.intent });
  const feedbackId = await recordCategoryConfirmation(ctx.models, subject, { agentId, category: input.category, label }, new Date());
  return { feedbackId, label, modelVersion: subject.modelVersion ?? null };
}
