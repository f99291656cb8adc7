import express, { Router } from 'express';
import * as audits from '../../app/audits';
import type { ApiDeps } from '../deps';
import { auditIdParam, auditUploadBody } from '../schemas';

/** Uploads carry a whole ticket export: about 40,000 short tickets fit. */
export const AUDIT_UPLOAD_LIMIT = '5mb';

/** The larger body limit for the upload route only; mounted before the app's global JSON parser. */
export const auditUploadParser = express.json({ limit: AUDIT_UPLOAD_LIMIT, strict: true });

export function auditRoutes(deps: ApiDeps): Router {
  const { operator } = deps.auth;
  const router = Router();
  const auditId = (params: unknown) => auditIdParam.parse(params).auditId;

  router.post('/v1/audits', operator, async (req, res) => {
    res.status(202).json(await audits.startAudit(deps, auditUploadBody.parse(req.body)));
  });

  router.get('/v1/audits/:auditId', operator, async (req, res) => {
    res.json(await audits.readAudit(deps, auditId(req.params)));
  });

  router.get('/v1/audits/:auditId/tickets.csv', operator, async (req, res) => {
    const id = auditId(req.params);
    const csv = await audits.auditTicketsCsv(deps, id);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="audit-${id}-tickets.csv"`);
    res.send(csv);
  });

  router.get('/v1/audits/:auditId/pareto.png', operator, async (req, res) => {
    const id = auditId(req.params);
    const png = await audits.auditParetoPng(deps, id);
    res.setHeader('content-type', 'image/png');
    res.setHeader('content-disposition', `inline; filename="audit-${id}-pareto.png"`);
    res.send(png);
  });

  return router;
}
