import type { SupportConfig } from '../config/schema';
import { categorySubject, recordCategoryConfirmation } from '../db/feedback';
import type { Models } from '../db/models';
import { ApiError } from './errors';

/**
 * An agent says which category a conversation really was: stored as a training example for the
 * next retraining, linked to the message and the model version that classified it. Used by the
 * feedback route and by resolving a task with `confirmedCategory`.
 */
export async function confirmCategory(
  deps: { models: Models; supportConfig: SupportConfig },
  input: { conversationId: string; messageId?: string; category: string; intent?: string; agentId: string },
): Promise<{ feedbackId: string; label: string; modelVersion: string | null }> {
  const { models, supportConfig } = deps;
  assertKnownCategory(supportConfig, input.category);
  const intentCategory = input.intent === undefined ? undefined : supportConfig.intentCategories[input.intent];
  if (intentCategory !== undefined && intentCategory !== input.category) {
    throw new ApiError(422, 'intent_not_in_category', 'That intent belongs to another category.');
  }
  const subject = await categorySubject(models, input.conversationId, input.messageId);
  if (!subject) throw new ApiError(404, 'not_found', 'There is no such customer message in this conversation.');
  // The training label: the agent's intent; else the model's own, if the agent agreed with its
  // category; else the category's only intent; else the category itself.
  const predicted = subject.predicted?.intent;
  const own = Object.entries(supportConfig.intentCategories)
    .filter(([, c]) => c === input.category)
    .map(([intent]) => intent);
  const label =
    input.intent ??
    (predicted !== undefined && supportConfig.intentCategories[predicted] === input.category ? predicted : undefined) ??
    (own.length === 1 ? own[0] : undefined) ??
    input.category;
  const feedbackId = await recordCategoryConfirmation(models, subject, { agentId: input.agentId, category: input.category, label }, new Date());
  return { feedbackId, label, modelVersion: subject.modelVersion ?? null };
}

export function assertKnownCategory(config: SupportConfig, category: string): void {
  if (!config.categories.some((c) => c.id === category)) {
    const ids = config.categories.map((c) => c.id).join(', ');
    throw new ApiError(422, 'unknown_category', `Unknown category; use one of: ${ids}.`);
  }
}
