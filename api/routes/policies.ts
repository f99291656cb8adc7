import { Router } from 'express';
import { decisionRecord } from '../../app/decisions';
import * as policies from '../../app/policies';
import { agentIfAny } from '../auth';
import type { ApiDeps } from '../deps';
import { conversationIdParam, policyVersionParam, putPolicyBody, whatIfBody } from '../schemas';

// Knowing why the AI did something, and trying a support configuration before switching it on.

export function policyRoutes(deps: ApiDeps): Router {
  const { auth } = deps;
  const router = Router();
  const version = (params: unknown) => policyVersionParam.parse(params).version;

  router.get('/v1/conversations/:conversationId/decisions', auth.agentOrOperator, async (req, res) => {
    res.json(await decisionRecord(deps, conversationIdParam.parse(req.params).conversationId, agentIfAny(res)));
  });

  router.post('/v1/policies/what-if', auth.operator, async (req, res) => {
    const { config, last, since, until } = whatIfBody.parse(req.body);
    res.json(await policies.whatIfPolicy(deps, config, { last, since: since ? new Date(since) : undefined, until: until ? new Date(until) : undefined }));
  });

  router.put('/v1/policies', auth.operator, async (req, res) => {
    res.status(201).json(await policies.activateNewPolicy(deps, putPolicyBody.parse(req.body)));
  });

  router.get('/v1/policies', auth.operator, async (_req, res) => {
    res.json(await policies.listPolicies(deps));
  });

  router.get('/v1/policies/:version', auth.operator, async (req, res) => {
    res.json(await policies.readPolicy(deps, version(req.params)));
  });

  router.post('/v1/policies/:version/activate', auth.operator, async (req, res) => {
    res.json(await policies.rollBackPolicy(deps, version(req.params)));
  });

  return router;
}
