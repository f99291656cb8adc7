import type { Model } from 'mongoose';
import { WorkflowNotFoundError } from '@temporalio/common';
import { readConversation, readTranscript } from '../db/conversations';
import { conversationWorkflowId } from '../domain/ids';
import { conversationQuery } from '../workflows/definitions';
import type { AppContext } from './context';
import { AppError } from './errors';

// Right of access and right of erasure. Export gives the customer (or an operator on their behalf)
// everything held about one conversation. Erasure deletes the read models and the Temporal
// executions (every run of the conversation and its human tasks, history included) and keeps an
// audit entry with ids and counts only. Temporal deletes history asynchronously; anything archived
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

export async function eraseConversation(ctx: AppContext, conversationId: string) {
  const { models } = ctx;
  const conversation = await readConversation(models, conversationId);
  const workflowIds = [conversationWorkflowId(conversationId), ...(conversation?.handoffTaskIds ?? [])];
  const view = await ctx.temporal.workflow
    .getHandle(conversationWorkflowId(conversationId))
    .query(conversationQuery)
    .catch(() => undefined);
  for (const handoff of view?.handoffs ?? []) if (!workflowIds.includes(handoff.taskId)) workflowIds.push(handoff.taskId);

  // Executions first, so no workflow writes the read models again after they are deleted.
  const workflowsDeleted: string[] = [];
  for (const workflowId of workflowIds) {
    const runs = await everyRun(ctx, workflowId);
    for (const runId of runs) {
      await ctx.temporal.workflowService.deleteWorkflowExecution({
        namespace: ctx.temporal.options.namespace,
        workflowExecution: { workflowId, runId },
      });
    }
    if (runs.length > 0) workflowsDeleted.push(workflowId);
  }
  if (workflowsDeleted.length === 0 && !conversation) throw new AppError('not_found', 'There is no such conversation.');

  const deleted: Record<string, number> = {
    conversations: (await models.Conversation.deleteMany({ _id: conversationId })).deletedCount,
  };
  // Every other read model that names the conversation: messages, tasks, SLA events, feedback, and
  // whatever is added later; the erasure log itself is kept.
  for (const [name, model] of Object.entries(models) as unknown as [string, Model<{ conversationId: string }>][]) {
    if (name === 'Erasure' || name === 'Conversation' || !model.schema.path('conversationId')) continue;
    deleted[model.collection.collectionName] = (await model.deleteMany({ conversationId })).deletedCount;
  }
  const erasedAt = new Date();
  await models.Erasure.create({ _id: `${conversationId}:${erasedAt.getTime()}`, conversationId, erasedAt, workflowsDeleted, deleted });
  ctx.log.info({ conversationId, workflowsDeleted, deleted }, 'conversation erased on request');
  return { conversationId, erasedAt: erasedAt.toISOString(), workflowsDeleted, deleted };
}

/** Run ids of every execution with this workflow id (continue-as-new leaves one per run). */
async function everyRun(ctx: AppContext, workflowId: string): Promise<string[]> {
  const runs = new Set<string>();
  const current = await ctx.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  // Visibility can lag behind a workflow started a moment ago; describe cannot.
  if (current) runs.add(current.runId);
  for await (const execution of ctx.temporal.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` })) {
    runs.add(execution.runId);
  }
  return [...runs];
}
