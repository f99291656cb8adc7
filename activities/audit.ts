import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import type { Understanding } from '../ai/understanding';
import type { Models } from '../db/models';
import { completeAudit, countCategorised, readCategories, readUncategorised, writeCategories, type TicketCategory } from '../db/audits';
import { summarizeAudit, type AuditSummary } from '../domain/pareto';

const HEARTBEAT_EVERY_MS = 2000;

export interface AuditActivityDeps {
  models: Models;
  understanding: Understanding;
  log: Logger;
}

export interface AuditBatch {
  auditId: string;
  /** Positions [fromSeq, toSeq) of the upload. */
  fromSeq: number;
  toSeq: number;
  config: SupportConfig;
}

/** Heartbeat details: how far into the batch the attempt got. */
export interface AuditBatchHeartbeat {
  done: number;
  of: number;
}

export function createAuditActivities(deps: AuditActivityDeps) {
  const { models, understanding, log } = deps;

  return {
    /**
     * Categorises the batch's tickets not categorised yet, understood as live conversations' messages are, and returns how many of the audit's tickets are categorised now. Categories
     * are written together at the end of the batch; a retried batch skips what an earlier attempt
     * finished, so each ticket is categorised once.
     */
    async categorizeAuditBatch(batch: AuditBatch): Promise<{ categorised: number }> {
      const ctx = Context.current();
      const tickets = await readUncategorised(models, batch.auditId, batch.fromSeq, batch.toSeq);
      const results: TicketCategory[] = [];
      const heartbeat = (): void => ctx.heartbeat({ done: results.length, of: tickets.length } satisfies AuditBatchHeartbeat);
      // A busy machine may take longer over a batch than the heartbeat timeout.
      const timer = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
      try {
        for (const ticket of tickets) {
          if (ctx.cancellationSignal.aborted) break;
          heartbeat();
          const c = await understanding.understand({ text: ticket.text, config: batch.config });
          results.push({ ticketId: ticket.ticketId, category: c.category, intent: c.intent, confidence: c.confidence, modelVersion: c.modelVersion });
        }
      } finally {
        clearInterval(timer);
      }
      // Cancelled (e.g. the worker is shutting down): leave the batch to the next attempt.
      ctx.cancellationSignal.throwIfAborted();
      await writeCategories(models, batch.auditId, results, new Date());
      const categorised = await countCategorised(models, batch.auditId);
      log.debug({ auditId: batch.auditId, fromSeq: batch.fromSeq, toSeq: batch.toSeq, categorised }, 'audit batch categorised');
      return { categorised };
    },

    /** The Pareto table and findings from the stored categories, saved with the audit. */
    async summarizeAudit(input: { auditId: string; total: number; config: SupportConfig; completedAt: string }): Promise<AuditSummary> {
      const rows = await readCategories(models, input.auditId);
      const summary = summarizeAudit(
        rows.map((r) => r.category ?? 'other'),
        {
          total: input.total,
          categoryConfig: input.config.categories,
          modelVersions: [...new Set(rows.map((r) => r.modelVersion ?? 'unknown'))].sort(),
          completedAt: input.completedAt,
        },
      );
      await completeAudit(models, input.auditId, summary);
      return summary;
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
