import { join } from 'node:path';
import { Router } from 'express';
import type { HumanTaskState } from '../../domain/human-task';
import {
  addNoteUpdate,
  claimTaskUpdate,
  conversationQuery,
  conversationWorkflowId,
  releaseTaskUpdate,
  replyToCustomerUpdate,
  resolveTaskUpdate,
  taskQuery,
  transferTaskUpdate,
  transferToAgentUpdate,
} from '../../workflows/definitions';
import { countHeldTasks, listAgentTasks } from '../../db/tasks';
import { currentAgent } from '../auth';
import { assertKnownCategory, confirmCategory } from '../category-confirmation';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { agentTextBody, claimBody, listAgentTasksQuery, resolveBody, taskIdParam, transferBody } from '../schemas';

/** The agent console: one static page that uses the agent API below with the agent's token. */
const CONSOLE_PAGE = join(__dirname, '..', '..', 'web', 'console.html');

export function agentRoutes(deps: ApiDeps): Router {
  const { temporal, auth, models } = deps;
  const router = Router();
  router.use('/v1/agent', auth.agent);

  router.get('/console', (_req, res) => {
    // Inline script and style only; the page talks to this origin and nothing else.
    res.setHeader('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'");
    res.sendFile(CONSOLE_PAGE);
  });

  /** The task, if it sits in one of the agent's queues or is theirs. */
  const visibleTask = async (taskId: string, agentId: string, queues: string[]) => {
    const handle = temporal.workflow.getHandle(taskId);
    const task: HumanTaskState = await handle.query(taskQuery);
    if (!queues.includes(task.queue) && task.assignee !== agentId) {
      throw new ApiError(404, 'not_found', 'There is no such task in your queues.');
    }
    return { handle, task };
  };

  /** The agent's work list from the read model: most urgent first, then the soonest deadline. */
  router.get('/v1/agent/tasks', async (req, res) => {
    const { limit } = listAgentTasksQuery.parse(req.query);
    const agent = currentAgent(res);
    const nowMs = Date.now();
    const tasks = await listAgentTasks(models, agent.id, agent.queues, limit);
    res.json({
      tasks: tasks.map((t) => ({
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
      })),
    });
  });

  router.get('/v1/agent/tasks/:taskId', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const agent = currentAgent(res);
    const { task } = await visibleTask(taskId, agent.id, agent.queues);
    const conversation = await temporal.workflow.getHandle(conversationWorkflowId(task.conversationId)).query(conversationQuery);
    res.json({ task, transcript: conversation.transcript });
  });

  router.post('/v1/agent/tasks/:taskId/claim', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    claimBody.parse(req.body ?? {});
    const agent = currentAgent(res);
    const { handle } = await visibleTask(taskId, agent.id, agent.queues);
    // Counted from the read model, which trails the workflows by a moment: two claims by the same
    // agent in that moment can both pass. The one-winner rule per task is strict (workflow validator).
    if ((await countHeldTasks(models, agent.id)) >= agent.capacity) {
      throw new ApiError(409, 'at_capacity', `You already hold ${agent.capacity} open tasks; resolve or release one first.`);
    }
    res.json(await handle.executeUpdate(claimTaskUpdate, { args: [{ agentId: agent.id }] }));
  });

  router.post('/v1/agent/tasks/:taskId/reply', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const body = agentTextBody.parse(req.body);
    const agent = currentAgent(res);
    const { handle } = await visibleTask(taskId, agent.id, agent.queues);
    const replyId = `agent-${body.actionId}`;
    res.json(
      await handle.executeUpdate(replyToCustomerUpdate, { args: [{ agentId: agent.id, replyId, text: body.text }], updateId: replyId }),
    );
  });

  router.post('/v1/agent/tasks/:taskId/notes', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const body = agentTextBody.parse(req.body);
    const agent = currentAgent(res);
    const { handle } = await visibleTask(taskId, agent.id, agent.queues);
    const noteId = `note-${body.actionId}`;
    res.json(await handle.executeUpdate(addNoteUpdate, { args: [{ agentId: agent.id, noteId, text: body.text }], updateId: noteId }));
  });

  router.post('/v1/agent/tasks/:taskId/release', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const agent = currentAgent(res);
    const { handle } = await visibleTask(taskId, agent.id, agent.queues);
    res.json(await handle.executeUpdate(releaseTaskUpdate, { args: [{ agentId: agent.id }] }));
  });

  router.post('/v1/agent/tasks/:taskId/transfer', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const body = transferBody.parse(req.body);
    const agent = currentAgent(res);
    const { handle } = await visibleTask(taskId, agent.id, agent.queues);
    res.json(
      'queue' in body
        ? await handle.executeUpdate(transferTaskUpdate, { args: [{ agentId: agent.id, queue: body.queue }] })
        : await handle.executeUpdate(transferToAgentUpdate, { args: [{ agentId: agent.id, toAgentId: body.agentId }] }),
    );
  });

  router.post('/v1/agent/tasks/:taskId/resolve', async (req, res) => {
    const { taskId } = taskIdParam.parse(req.params);
    const body = resolveBody.parse(req.body ?? {});
    const agent = currentAgent(res);
    if (body.confirmedCategory) assertKnownCategory(deps.supportConfig, body.confirmedCategory);
    const { handle, task } = await visibleTask(taskId, agent.id, agent.queues);
    const resolved = await handle.executeUpdate(resolveTaskUpdate, { args: [{ agentId: agent.id, note: body.note }] });
    if (body.confirmedCategory) {
      await confirmCategory(deps, { conversationId: task.conversationId, category: body.confirmedCategory, agentId: agent.id });
    }
    res.json(resolved);
  });

  return router;
}
