import { formatCsv } from '../ai/csv';
import { countCategorised, createAudit, readAudit as readStoredAudit, readAuditTickets } from '../db/audits';
import { auditWorkflowId, newAuditId } from '../domain/ids';
import type { AuditSummary } from '../domain/pareto';
import { paretoChartPng } from '../report/pareto-chart';
import { parseTicketUpload, type ColumnNames } from '../report/ticket-upload';
import { auditWorkflow } from '../workflows/audit';
import { auditProgressQuery, type AuditProgress } from '../workflows/definitions';
import type { AppContext } from './context';
import { AppError, found } from './errors';

// Ticket audits: a business uploads its past tickets and sees what share the AI would have taken
// (categories in Pareto order), as JSON, a CSV of every ticket and a chart.

export interface AuditUpload {
  auditId?: string;
  source?: string;
  format: Parameters<typeof parseTicketUpload>[0];
  content: string;
  columns?: ColumnNames;
  batchSize: number;
}

export async function startAudit(ctx: AppContext, upload: AuditUpload) {
  const parsed = parseTicketUpload(upload.format, upload.content, upload.columns);
  const auditId = upload.auditId ?? newAuditId();
  const total = parsed.tickets.length;
  await createAudit(ctx.models, { auditId, source: upload.source, skipped: parsed.skipped, createdAt: new Date() }, parsed.tickets);
  await ctx.temporal.workflow.start(auditWorkflow, {
    workflowId: auditWorkflowId(auditId),
    taskQueue: ctx.taskQueue,
    args: [{ auditId, total, batchSize: upload.batchSize, config: ctx.supportConfig, batchTaskQueue: ctx.batchTaskQueue }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Ticket audit ${auditId}: ${total} tickets${upload.source ? ` from ${upload.source}` : ''}`,
  });
  return { auditId, total, skipped: parsed.skipped, columns: parsed.columns, batches: Math.ceil(total / upload.batchSize) };
}

export async function readAudit(ctx: AppContext, auditId: string) {
  const audit = found(await readStoredAudit(ctx.models, auditId), 'audit');
  const base = { auditId, source: audit.source, total: audit.total, skipped: audit.skipped, createdAt: audit.createdAt };
  if (audit.status === 'completed') {
    const summary = audit.summary as AuditSummary;
    return {
      ...base,
      status: 'completed' as const,
      completedAt: audit.completedAt,
      progress: { total: audit.total, categorised: summary.categorised, percent: 100 },
      result: summary,
      downloads: { tickets: `/v1/audits/${auditId}/tickets.csv`, chart: `/v1/audits/${auditId}/pareto.png` },
    };
  }
  // The workflow knows its progress; if it cannot answer (no worker right now), count in the database.
  const live: AuditProgress | undefined = await ctx.temporal.workflow
    .getHandle(auditWorkflowId(auditId))
    .query(auditProgressQuery)
    .catch(() => undefined);
  const categorised = live?.categorised ?? (await countCategorised(ctx.models, auditId));
  return {
    ...base,
    status: 'running' as const,
    progress: {
      total: audit.total,
      categorised,
      percent: audit.total === 0 ? 100 : Math.floor((categorised / audit.total) * 100),
      ...(live ? { batches: live.batches, batchesDone: live.batchesDone } : {}),
    },
  };
}

/** Every ticket with its category, as CSV (the upload's own columns kept). */
export async function auditTicketsCsv(ctx: AppContext, auditId: string): Promise<string> {
  await completedSummary(ctx, auditId);
  const tickets = await readAuditTickets(ctx.models, auditId);
  const extraColumns = [...new Set(tickets.flatMap((t) => Object.keys((t.extra ?? {}) as Record<string, string>)))];
  const confidence = (value: number | null | undefined) => (value === undefined || value === null ? '' : value.toFixed(3));
  return formatCsv([
    ['Ticket ID', 'Date', 'Category', 'Confidence', 'Intent', ...extraColumns],
    ...tickets.map((t) => {
      const extra = (t.extra ?? {}) as Record<string, string>;
      return [t.ticketId, t.date ?? '', t.category ?? '', confidence(t.confidence), t.intent ?? '', ...extraColumns.map((c) => extra[c] ?? '')];
    }),
  ]);
}

export async function auditParetoPng(ctx: AppContext, auditId: string): Promise<Buffer> {
  const summary = await completedSummary(ctx, auditId);
  return paretoChartPng(summary.pareto, `Ticket audit: ${summary.categorised} tickets`);
}

async function completedSummary(ctx: AppContext, auditId: string): Promise<AuditSummary> {
  const audit = found(await readStoredAudit(ctx.models, auditId), 'audit');
  if (audit.status !== 'completed') throw new AppError('audit_running', 'The audit has not finished yet.');
  return audit.summary as AuditSummary;
}
