import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { auditWorkflow } from '../../workflows/audit';
import { auditProgressQuery, auditWorkflowId, type AuditProgress } from '../../workflows/definitions';
import { formatCsv } from '../../ai/csv';
import { countCategorised, createAudit, readAudit, readAuditTickets } from '../../db/audits';
import type { AuditSummary } from '../../domain/pareto';
import { paretoChartPng } from '../../report/pareto-chart';
import { parseTicketUpload, TicketUploadError } from '../../report/ticket-upload';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { auditIdParam, auditUploadBody } from '../schemas';

/** Uploads carry a whole ticket export: about 40,000 short tickets fit. */
export const AUDIT_UPLOAD_LIMIT = '5mb';

/** The larger body limit for the upload route only; mounted before the app's global JSON parser. */
export const auditUploadParser = express.json({ limit: AUDIT_UPLOAD_LIMIT, strict: true });

export function auditRoutes(deps: ApiDeps): Router {
  const { temporal, auth, models, supportConfig, taskQueue, batchTaskQueue } = deps;
  const router = Router();

  const completedSummary = async (auditId: string): Promise<AuditSummary> => {
    const audit = await readAudit(models, auditId);
    if (!audit) throw new ApiError(404, 'not_found', 'There is no such audit.');
    if (audit.status !== 'completed') throw new ApiError(409, 'audit_running', 'The audit has not finished yet.');
    return audit.summary as AuditSummary;
  };

  router.post('/v1/audits', auth.operator, async (req, res) => {
    const body = auditUploadBody.parse(req.body);
    let upload;
    try {
      upload = parseTicketUpload(body.format, body.content, body.columns);
    } catch (err) {
      if (err instanceof TicketUploadError) throw new ApiError(422, err.code, err.message);
      throw err;
    }
    const auditId = body.auditId ?? randomUUID();
    const total = upload.tickets.length;
    await createAudit(models, { auditId, source: body.source, skipped: upload.skipped, createdAt: new Date() }, upload.tickets);
    await temporal.workflow.start(auditWorkflow, {
      workflowId: auditWorkflowId(auditId),
      taskQueue,
      args: [{ auditId, total, batchSize: body.batchSize, config: supportConfig, batchTaskQueue }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Ticket audit ${auditId}: ${total} tickets${body.source ? ` from ${body.source}` : ''}`,
    });
    res.status(202).json({ auditId, total, skipped: upload.skipped, columns: upload.columns, batches: Math.ceil(total / body.batchSize) });
  });

  router.get('/v1/audits/:auditId', auth.operator, async (req, res) => {
    const { auditId } = auditIdParam.parse(req.params);
    const audit = await readAudit(models, auditId);
    if (!audit) throw new ApiError(404, 'not_found', 'There is no such audit.');
    const base = { auditId, source: audit.source, total: audit.total, skipped: audit.skipped, createdAt: audit.createdAt };
    if (audit.status === 'completed') {
      const summary = audit.summary as AuditSummary;
      res.json({
        ...base,
        status: 'completed',
        completedAt: audit.completedAt,
        progress: { total: audit.total, categorised: summary.categorised, percent: 100 },
        result: summary,
        downloads: { tickets: `/v1/audits/${auditId}/tickets.csv`, chart: `/v1/audits/${auditId}/pareto.png` },
      });
      return;
    }
    // The workflow knows its progress; if it cannot answer (no worker right now), count in the database.
    const live: AuditProgress | undefined = await temporal.workflow
      .getHandle(auditWorkflowId(auditId))
      .query(auditProgressQuery)
      .catch(() => undefined);
    const categorised = live?.categorised ?? (await countCategorised(models, auditId));
    res.json({
      ...base,
      status: 'running',
      progress: {
        total: audit.total,
        categorised,
        percent: audit.total === 0 ? 100 : Math.floor((categorised / audit.total) * 100),
        ...(live ? { batches: live.batches, batchesDone: live.batchesDone } : {}),
      },
    });
  });

  router.get('/v1/audits/:auditId/tickets.csv', auth.operator, async (req, res) => {
    const { auditId } = auditIdParam.parse(req.params);
    await completedSummary(auditId);
    const tickets = await readAuditTickets(models, auditId);
    const extraColumns = [...new Set(tickets.flatMap((t) => Object.keys((t.extra ?? {}) as Record<string, string>)))];
    const rows = [
      ['Ticket ID', 'Date', 'Category', 'Confidence', 'Intent', ...extraColumns],
      ...tickets.map((t) => {
        const extra = (t.extra ?? {}) as Record<string, string>;
        return [t.ticketId, t.date ?? '', t.category ?? '', t.confidence === undefined || t.confidence === null ? '' : t.confidence.toFixed(3), t.intent ?? '', ...extraColumns.map((c) => extra[c] ?? '')];
      }),
    ];
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="audit-${auditId}-tickets.csv"`);
    res.send(formatCsv(rows));
  });

  router.get('/v1/audits/:auditId/pareto.png', auth.operator, async (req, res) => {
    const { auditId } = auditIdParam.parse(req.params);
    const summary = await completedSummary(auditId);
    res.setHeader('content-type', 'image/png');
    res.setHeader('content-disposition', `inline; filename="audit-${auditId}-pareto.png"`);
    res.send(paretoChartPng(summary.pareto, `Ticket audit: ${summary.categorised} tickets`));
  });

  return router;
}
