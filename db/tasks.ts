import type { Models } from './models';
import { writeVersioned } from './versioned-write';
import type { HumanTaskState, SlaFiring } from '../domain/human-task';
import { PRIORITIES, type Priority } from '../domain/types';

/** One state of a human task as its workflow saw it, written to the agents' read model. */
export interface TaskProjection {
  version: number;
  state: HumanTaskState;
  nextDeadline?: string;
  slaBreached: boolean;
  updatedAt: string;
}

/** 0 for urgent .. 3 for low: ascending order is most urgent first. */
export const priorityRank = (priority: Priority): number => PRIORITIES.length - 1 - PRIORITIES.indexOf(priority);

const asDate = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

/** Idempotent: a retried or late projection never moves a task back to an older state. */
export async function writeTaskProjection(models: Models, p: TaskProjection): Promise<void> {
  const s = p.state;
  await writeVersioned(models.Task, s.taskId, p.version, {
    conversationId: s.conversationId,
    customer: { id: s.customer.id, name: s.customer.name },
    queue: s.queue,
    priority: s.priority,
    priorityRank: priorityRank(s.priority),
    status: s.status,
    assignee: s.assignee ?? null,
    reasons: s.reasons.map((r) => r.code),
    summary: s.summary,
    nextDeadline: asDate(p.nextDeadline) ?? null,
    deadlines: s.slaClocks.map((c) => ({
      target: c.target,
      dueAt: new Date(c.dueAt),
      breachedAt: asDate(c.breachedAt),
      stoppedAt: asDate(c.stoppedAt),
    })),
    slaBreached: p.slaBreached,
    slaOutcomes: s.slaOutcomes,
    returnDueAt: asDate(s.returnDueAt) ?? null,
    createdAt: new Date(s.createdAt),
    resolvedAt: asDate(s.resolvedAt) ?? null,
    updatedAt: new Date(p.updatedAt),
  });
}

/** Idempotent: one document per task, kind, target and due time. */
export async function writeSlaEvent(models: Models, taskId: string, conversationId: string, firing: SlaFiring): Promise<void> {
  const id = `${taskId}:${firing.kind}:${firing.target ?? 'return'}:${firing.dueAt}`;
  await models.SlaEvent.updateOne(
    { _id: id },
    {
      $set: {
        taskId,
        conversationId,
        kind: firing.kind,
        target: firing.target,
        dueAt: new Date(firing.dueAt),
        firedAt: new Date(firing.at),
        lateMs: Date.parse(firing.at) - Date.parse(firing.dueAt),
        priority: firing.priority,
        queue: firing.queue,
        agentId: firing.agentId,
        actions: firing.actions,
      },
    },
    { upsert: true },
  );
}

/** Open tasks in the agent's queues or held by the agent: most urgent first, then soonest deadline. */
export async function listAgentTasks(models: Models, agentId: string, queues: string[], limit: number) {
  return models.Task.find({
    status: { $in: ['waiting', 'claimed'] },
    $or: [{ queue: { $in: queues } }, { assignee: agentId }],
  })
    .sort({ priorityRank: 1, nextDeadline: 1, _id: 1 })
    .limit(limit)
    .lean();
}

/** Tasks the agent holds right now, as far as the read model knows. */
export async function countHeldTasks(models: Models, agentId: string): Promise<number> {
  return models.Task.countDocuments({ status: 'claimed', assignee: agentId });
}

export async function readSlaEvents(models: Models, taskId: string) {
  return models.SlaEvent.find({ taskId }).sort({ firedAt: 1 }).lean();
}

/** Whether the agent works on a human task of this conversation: one in their queues, or theirs. */
export async function agentHasTaskOf(models: Models, agentId: string, queues: string[], conversationId: string): Promise<boolean> {
  const count = await models.Task.countDocuments({ conversationId, $or: [{ queue: { $in: queues } }, { assignee: agentId }] });
  return count > 0;
}
