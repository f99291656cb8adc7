import { WorkflowNotFoundError } from '@temporalio/common';
import { readConversation, readTranscript } from '../db/conversations';
import { conversationWorkflowId, erasureWorkflowId } from '../domain/ids';
import { conversationQuery } from '../workflows/definitions';
import { erasureWorkflow } from '../workflows/erasure';
import type { AppContext } from './context';
import { AppError } from './errors';

// Right of access and right of erasure. Export gives the customer (or an operator on their behalf)
// everything held about one conversation. Erasure (workflows/erasure.ts) deletes the Temporal
// executions (every run of the conversation and its human tasks, history included) and the read
// models, and keeps an audit entry with ids and counts only. Temporal deletes history asynchronously; anything archived
// or replicated outside this namespace is out of reach and expires at the namespace's retention.

export async function exportConversation(ctx: AppContext, conversationId: string) {
  const view = await ctx.temporal.workflow
    .getHandle(conversationWorkflowId(conversationId))
    .query(conversationQuery)
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
  const [conversation, messages] = await Promise.all([readConversation(ctx.models, conversationId), readTranscript(ctx.models, conversationId)]);
  if (!view && !conversation) throw new AppError('not_found', 'There is no such conversation.');
  return {
    conversationId,
    exportedAt: new Date().toISOString(),
    workflow: view ? { ...view, transcript: view.transcript.filter((m) => !m.internal) } : null,
    readModel: { conversation: conversation ?? null, messages: messages.filter((m) => !m.internal) },
  };
}

/**
 * Erases the conversation by its erasure workflow, and waits for it. A repeated DELETE joins the
 * erasure already running. The live workflow is asked for its human tasks here, since the erasure's
 * steps cannot query it (its read model may lag behind it).
 */
export async function eraseConversation(ctx: AppContext, conversationId: string) {
  const view = await ctx.temporal.workflow
    .getHandle(conversationWorkflowId(conversationId))
    .query(conversationQuery)
    .catch(() => undefined); // gone already, or no worker to answer: the read model lists the tasks
  const result = await ctx.temporal.workflow.execute(erasureWorkflow, {
    workflowId: erasureWorkflowId(conversationId),
    taskQueue: ctx.taskQueue,
    args: [{ conversationId, liveTaskIds: (view?.handoffs ?? []).map((h) => h.taskId) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Erase conversation ${conversationId}`,
  });
  if (!result.erased) throw new AppError('not_found', 'There is no such conversation.');
  const { erased: _, ...erasure } = result;
  return erasure;
}
