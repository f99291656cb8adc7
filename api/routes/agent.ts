import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import * as tasks from '../../app/agent-tasks';
import { teamQuality } from '../../app/metrics';
import { currentAgent } from '../auth';
import type { ApiDeps } from '../deps';
import { agentTextBody, claimBody, listAgentTasksQuery, metricsQuery, resolveBody, taskIdParam, transferBody } from '../schemas';

/**
 * The agent console: one static page that uses the agent API below with the agent's token. Read
 * once and sent as it is: res.sendFile refuses any path with a dot-folder in it, and a clone may
 * sit under one.
 */
const CONSOLE_PAGE = readFileSync(join(__dirname, '..', '..', 'web', 'console.html'), 'utf8');
/** Inline script and style only; the page talks to this origin and nothing else. */
const CONSOLE_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'";

export function agentRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use('/v1/agent', deps.auth.agent);
  const taskId = (params: unknown) => taskIdParam.parse(params).taskId;

  router.get('/console', (_req, res) => {
    res.setHeader('content-security-policy', CONSOLE_POLICY);
    res.type('html').send(CONSOLE_PAGE);
  });

  router.get('/v1/agent/tasks', async (req, res) => {
    const { limit } = listAgentTasksQuery.parse(req.query);
    res.json({ tasks: await tasks.listTasks(deps, currentAgent(res), limit) });
  });

  router.get('/v1/agent/quality', async (req, res) => {
    res.json(await teamQuality(deps, currentAgent(res), metricsQuery.parse(req.query)));
  });

  router.get('/v1/agent/tasks/:taskId', async (req, res) => {
    res.json(await tasks.openTask(deps, currentAgent(res), taskId(req.params)));
  });

  router.post('/v1/agent/tasks/:taskId/claim', async (req, res) => {
    claimBody.parse(req.body ?? {});
    res.json(await tasks.claimTask(deps, currentAgent(res), taskId(req.params)));
  });

  router.post('/v1/agent/tasks/:taskId/reply', async (req, res) => {
    res.json(await tasks.replyToCustomer(deps, currentAgent(res), taskId(req.params), agentTextBody.parse(req.body)));
  });

  router.post('/v1/agent/tasks/:taskId/notes', async (req, res) => {
    res.json(await tasks.addNote(deps, currentAgent(res), taskId(req.params), agentTextBody.parse(req.body)));
  });

  router.post('/v1/agent/tasks/:taskId/release', async (req, res) => {
    res.json(await tasks.releaseTask(deps, currentAgent(res), taskId(req.params)));
  });

  router.post('/v1/agent/tasks/:taskId/transfer', async (req, res) => {
    res.json(await tasks.transferTask(deps, currentAgent(res), taskId(req.params), transferBody.parse(req.body)));
  });

  router.post('/v1/agent/tasks/:taskId/resolve', async (req, res) => {
    res.json(await tasks.resolveTask(deps, currentAgent(res), taskId(req.params), resolveBody.parse(req.body ?? {})));
  });

  return router;
}
