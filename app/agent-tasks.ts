import type { AgentConfig } from '../config/env';
import { categorySubject } from '../db/feedback';
import { countHeldTasks, listAgentTasks } from '../db/tasks';
import type { HumanTaskState } from '../domain/human-task';
import { agentNoteId, agentReplyId, conversationWorkflowId } from '../domain/ids';
import {
  addNoteUpdate,
  claimTaskUpdate,
  conversationQuery,
  releaseTaskUpdate,
  replyToCustomerUpdate,
  resolveTaskUpdate,
  taskQuery,
  transferTaskUpdate,
  transferToAgentUpdate,
} from '../workflows/definitions';
import { assertKnownCategory } from './categories';
import type { AppContext } from './context';
import { AppError, found } from './errors';

// What an agent does with the human tasks in their queues: list, open, claim, reply, note, release,
// transfer, resolve. The task's own rules (one claimant, only the assignee acts) live in its
// workflow; a task outside the agent's queues does not exist for them.

export type Agent = Pick<AgentConfig, 'id' | 'queues' | 'capacity'>;

/** The agent's work list from the read model: most urgent first, then the soonest deadline. */
export async function listTasks(ctx: AppContext, agent: Agent, limit: number) {
  const nowMs = Date.now();
  const tasks = await listAgentTasks(ctx.models, agent.id, agent.queues, limit);
  return tasks.map((t) => ({
    taskId: t._id,
    conversationId: t.conversationId,
    customer: t.customer,
    queue: t.queue,
    priority: t.priority,
    status: t.status,
    assignee: t.assignee ?? undefined,
    mine: t.assignee === agent.id,
    reasons: t.reasons,
    summary: t.summary,
    nextDeadline: t.nextDeadline ?? undefined,
    timeLeftMs: t.nextDeadline ? t.nextDeadline.getTime() - nowMs : undefined,
    slaBreached: t.slaBreached,
    deadlines: t.deadlines,
    returnDueAt: t.returnDueAt ?? undefined,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  }));
}

/** The task with the whole conversation, so the agent never asks the customer to repeat themselves. */
export async function openTask(ctx: AppContext, agent: Agent, taskId: string) {
  const { task } = await visibleTask(ctx, agent, taskId);
  const conversation = await ctx.temporal.workflow.getHandle(conversationWorkflowId(task.conversationId)).query(conversationQuery);
  return { task, transcript: conversation.transcript };
}

export async function claimTask(ctx: AppContext, agent: Agent, taskId: string): Promise<HumanTaskState> {
  const { handle } = await visibleTask(ctx, agent, taskId);
  // Counted from the read model, which trails the workflows by a moment: two claims by the same
  // agent in that moment can both pass. The one-winner rule per task is strict (workflow validator).
  if ((await countHeldTasks(ctx.models, agent.id)) >= agent.capacity) {
    throw new AppError('at_capacity', `You already hold ${agent.capacity} open tasks; resolve or release one first.`);
  }
  return handle.executeUpdate(claimTaskUpdate, { args: [{ agentId: agent.id }] });
}

/** `actionId` is the client's id for this action: a retried request is applied once. */
export async function replyToCustomer(ctx: AppContext, agent: Agent, taskId: string, reply: { actionId: string; text: string }) {
  const { handle } = await visibleTask(ctx, agent, taskId);
  const replyId = agentReplyId(reply.actionId);
  return handle.executeUpdate(replyToCustomerUpdate, { args: [{ agentId: agent.id, replyId, text: reply.text }], updateId: replyId });
}

export async function addNote(ctx: AppContext, agent: Agent, taskId: string, note: { actionId: string; text: string }) {
  const { handle } = await visibleTask(ctx, agent, taskId);
  const noteId = agentNoteId(note.actionId);
  return handle.executeUpdate(addNoteUpdate, { args: [{ agentId: agent.id, noteId, text: note.text }], updateId: noteId });
}

export async function releaseTask(ctx: AppContext, agent: Agent, taskId: string) {
  const { handle } = await visibleTask(ctx, agent, taskId);
  return handle.executeUpdate(releaseTaskUpdate, { args: [{ agentId: agent.id }] });
}

/** To a queue (unclaimed there) or straight to another agent. */
export async function transferTask(ctx: AppContext, agent: Agent, taskId: string, to: { queue: string } | { agentId: string }) {
  const { handle } = await visibleTask(ctx, agent, taskId);
  return 'queue' in to
    ? handle.executeUpdate(transferTaskUpdate, { args: [{ agentId: agent.id, queue: to.queue }] })
    : handle.executeUpdate(transferToAgentUpdate, { args: [{ agentId: agent.id, toAgentId: to.agentId }] });
}

/** Resolves the task; a confirmed category becomes a training example (recorded by the task's workflow). */
export async function resolveTask(
  ctx: AppContext,
  agent: Agent,
  taskId: string,
  resolution: { note?: string; closingMessage?: string; confirmedCategory?: string },
) {
  const { confirmedCategory, note, closingMessage } = resolution;
  if (confirmedCategory) assertKnownCategory(ctx.supportConfig, confirmedCategory);
  const { handle, task } = await visibleTask(ctx, agent, taskId);
  // Refused before anything changes; the task's workflow records the example with the resolve.
  if (confirmedCategory) found(await categorySubject(ctx.models, task.conversationId), 'customer message in this conversation');
  return handle.executeUpdate(resolveTaskUpdate, { args: [{ agentId: agent.id, note, closingMessage, confirmedCategory }] });
}

/** The task, if it sits in one of the agent's queues or is theirs. */
async function visibleTask(ctx: AppContext, agent: Agent, taskId: string) {
  const handle = ctx.temporal.workflow.getHandle(taskId);
  const task: HumanTaskState = await handle.query(taskQuery);
  if (!agent.queues.includes(task.queue) && task.assignee !== agent.id) {
    throw new AppError('not_found', 'There is no such task in your queues.');
  }
  return { handle, task };
}
