import { Schema, type InferSchemaType } from 'mongoose';
import type { AuditSummary } from '../domain/pareto';
import type { Models } from './models';

// Ticket audits: the uploaded tickets live here, not in workflow input, so the workflow carries only
// an audit id and ranges of positions. Every write is keyed and idempotent.

export const auditSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Where the tickets came from, e.g. the uploaded file's name. */
    source: String,
    total: { type: Number, required: true },
    skipped: { type: Number, required: true },
    status: { type: String, required: true, enum: ['running', 'completed', 'failed'] },
    createdAt: { type: Date, required: true },
    completedAt: Date,
    summary: { type: Schema.Types.Mixed },
  },
  { versionKey: false },
);

export const auditTicketSchema = new Schema(
  {
    /** `<auditId>:<ticketId>`: an upload retried rewrites the same documents. */
    _id: { type: String, required: true },
    auditId: { type: String, required: true },
    /** Position in the upload, 0-based: batches are ranges of positions. */
    seq: { type: Number, required: true },
    ticketId: { type: String, required: true },
    date: String,
    text: { type: String, required: true },
    /** The upload's other columns, kept as they were. */
    extra: { type: Schema.Types.Mixed },
    category: String,
    intent: String,
    confidence: Number,
    modelVersion: String,
    categorisedAt: Date,
  },
  { versionKey: false, minimize: false },
);
auditTicketSchema.index({ auditId: 1, seq: 1 });

export type AuditRecord = InferSchemaType<typeof auditSchema>;
export type AuditTicketRecord = InferSchemaType<typeof auditTicketSchema>;

export interface AuditTicketInput {
  ticketId: string;
  date?: string;
  text: string;
  extra: Record<string, string>;
}

export interface TicketCategory {
  ticketId: string;
  category: string;
  intent: string;
  confidence: number;
  modelVersion: string;
}

const WRITE_CHUNK = 500;

export const auditTicketKey = (auditId: string, ticketId: string): string => `${auditId}:${ticketId}`;

/** Stores the tickets and the audit; a retried call leaves tickets already categorised alone. */
export async function createAudit(
  models: Models,
  audit: { auditId: string; source?: string; skipped: number; createdAt: Date },
  tickets: readonly AuditTicketInput[],
): Promise<void> {
  for (let from = 0; from < tickets.length; from += WRITE_CHUNK) {
    await models.AuditTicket.bulkWrite(
      tickets.slice(from, from + WRITE_CHUNK).map((ticket, i) => ({
        updateOne: {
          filter: { _id: auditTicketKey(audit.auditId, ticket.ticketId) },
          update: {
            $setOnInsert: { auditId: audit.auditId, seq: from + i, ticketId: ticket.ticketId, date: ticket.date, text: ticket.text, extra: ticket.extra },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
  await models.Audit.updateOne(
    { _id: audit.auditId },
    { $setOnInsert: { source: audit.source, total: tickets.length, skipped: audit.skipped, status: 'running', createdAt: audit.createdAt } },
    { upsert: true },
  );
}

/** The tickets at positions [fromSeq, toSeq) not categorised yet, in order. */
export async function readUncategorised(models: Models, auditId: string, fromSeq: number, toSeq: number) {
  return models.AuditTicket.find({ auditId, seq: { $gte: fromSeq, $lt: toSeq }, category: { $exists: false } }, { ticketId: 1, text: 1, seq: 1 })
    .sort({ seq: 1 })
    .lean();
}

/**
 * Writes the categories of tickets just read as uncategorised (`readUncategorised`): one batch of
 * an audit has one writer at a time, so a ticket keeps the first category it gets. One update per
 * ticket, filtered on `_id` alone, the one filter FerretDB's SQLite backend answers from its index.
 */
export async function writeCategories(models: Models, auditId: string, results: readonly TicketCategory[], at: Date): Promise<number> {
  let written = 0;
  for (const r of results) {
    const outcome = await models.AuditTicket.updateOne(
      { _id: auditTicketKey(auditId, r.ticketId) },
      { $set: { category: r.category, intent: r.intent, confidence: r.confidence, modelVersion: r.modelVersion, categorisedAt: at } },
    );
    written += outcome.modifiedCount;
  }
  return written;
}

export async function countCategorised(models: Models, auditId: string): Promise<number> {
  return models.AuditTicket.countDocuments({ auditId, category: { $exists: true } });
}

/** The category and model version of every categorised ticket. */
export async function readCategories(models: Models, auditId: string) {
  return models.AuditTicket.find({ auditId, category: { $exists: true } }, { category: 1, modelVersion: 1 }).lean();
}

export async function completeAudit(models: Models, auditId: string, summary: AuditSummary): Promise<void> {
  await models.Audit.updateOne({ _id: auditId }, { $set: { status: 'completed', completedAt: new Date(summary.completedAt), summary } });
}

export async function readAudit(models: Models, auditId: string) {
  return models.Audit.findById(auditId).lean();
}

/** Every ticket of the audit in upload order, for the spreadsheet. */
export async function readAuditTickets(models: Models, auditId: string) {
  return models.AuditTicket.find({ auditId }).sort({ seq: 1 }).lean();
}
