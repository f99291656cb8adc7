import { Router } from 'express';
import { postBusinessEvent } from '../../app/engagement';
import type { ApiDeps } from '../deps';
import { businessEventBody } from '../schemas';

/** Events in the business's systems (an order late, a payment failed) that may call for reaching out: signed by those systems, or posted with an operator key. */
export function eventRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/v1/events', deps.auth.signedOrOperator, async (req, res) => {
    res.json(await postBusinessEvent(deps, businessEventBody.parse(req.body)));
  });

  return router;
}
