import { WorkflowNotFoundError } from '@temporalio/common';
import { readRecordedTranscript } from '../db/conversations';
import { agentHasTaskOf } from '../db/tasks';
import { conversationWorkflowId } from '../domain/ids';
import type { TranscriptMessage } from '../domain/types';
import { conversationQuery } from '../workflows/definitions';
import type { Agent } from './agent-tasks';
import type { AppContext } from './context';
import { AppError } from './errors';

// "Why did the AI do that?": for each customer message, what the workflow recorded when it ran
// (model, rules with their inputs and thresholds, retrieval, actions, outcome). Nothing is
// recomputed; a message from before decision records shows what its transcript line holds.

/**
 * The conversation's decision record, for an operator (no agent) or for an agent with one of its
 * human tasks in their queues; to anyone else the conversation does not exist.
 */
export async function decisionRecord(ctx: AppContext, conversationId: string, agent?: Agent) {
  if (agent && !(await agentHasTaskOf(ctx.models, agent.id, agent.queues, conversationId))) {
    throw new AppError('not_found', 'There is no such conversation in your queues.');
  }
  const transcript = await recordedTranscript(ctx, conversationId);
  if (transcript.length === 0) throw new AppError('not_found', 'There is no such conversation.');
  return { conversationId, decisions: transcript.filter((m) => m.role === 'customer').map(decisionOf) };
}

/** From the workflow while it runs, from the read model once its history is gone. */
async function recordedTranscript(ctx: AppContext, conversationId: string): Promise<TranscriptMessage[]> {
  try {
    return (await ctx.temporal.workflow.getHandle(conversationWorkflowId(conversationId)).query(conversationQuery)).transcript;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return readRecordedTranscript(ctx.models, conversationId);
  }
}

function decisionOf({ id, at, classification, decision }: TranscriptMessage) {
  const grounding = classification?.grounding;
  return {
    messageId: id,
    at,
    /** False for a message from before decision records, or one a person had: only what the line holds. */
    recorded: decision !== undefined,
    model: classification && {
      version: classification.modelVersion,
      intent: classification.intent,
      category: classification.category,
      confidence: classification.confidence,
      sentiment: classification.sentiment,
      language: classification.language,
    },
    rules: decision?.rules ?? [],
    retrieval: grounding && {
      candidates: grounding.candidates,
      intentArticleId: grounding.articleId,
      score: grounding.score,
      chosenArticleId: decision?.retrieval?.chosenArticleId,
      minAnswerScore: decision?.retrieval?.minAnswerScore,
    },
    decision: decision?.decision,
    actions: decision?.actions ?? [],
    outcome: decision?.outcome,
  };
}
