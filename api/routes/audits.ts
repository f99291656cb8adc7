import express, { Router, type Response } from 'express';
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
    sendFile(res, await audits.auditTicketsCsv(deps, id), 'text/csv; charset=utf-8', `attachment; filename="audit-${id}-tickets.csv"`);
  });

  router.get('/v1/audits/:auditId/pareto.png', operator, async (req, res) => {
    const id = auditId(req.params);
    sendFile(res, await audits.auditParetoPng(deps, id), 'image/png', `inline; filename="audit-${id}-pareto.png"`);
  });

  return router;
}

/** A file for the operator: downloaded (`attachment`) or shown in the browser (`inline`). */
function sendFile(res: Response, body: string | Buffer, contentType: string, disposition: string): void {
  res.setHeader('content-type', contentType);
  res.setHeader('content-disposition', disposition);
  res.send(body);
}
