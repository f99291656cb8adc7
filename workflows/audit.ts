import { continueAsNew, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { AuditSummary } from '../domain/pareto';
import { auditProgressQuery, type AuditInput, type AuditProgress } from './definitions';

// A ticket audit: the tickets are categorised batch after batch, each batch one activity. The
// workflow remembers the batches finished, so after a worker restart the audit carries on from the
// first unfinished batch; a batch cut short is retried, and skips the tickets it already wrote.

/** The heavy steps run on the batch queue, one at a time; this light orchestration does not. */
function batchActivities(taskQueue: string | undefined) {
  const { categorizeAuditBatch } = proxyActivities<AuditActivities>({
    taskQueue,
    summary: 'Categorise a batch of tickets',
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const { summarizeAudit } = proxyActivities<AuditActivities>({
    taskQueue,
    summary: 'Build the Pareto table and findings',
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  return { categorizeAuditBatch, summarizeAudit };
}

function describe(p: AuditProgress): string {
  const percent = p.total === 0 ? 100 : Math.floor((p.categorised / p.total) * 100);
  if (p.status === 'completed') return `Audit complete: ${p.categorised} of ${p.total} tickets categorised`;
  return `Categorised ${p.categorised} of ${p.total} tickets (${percent}%), batch ${p.batchesDone} of ${p.batches} done`;
}

export async function auditWorkflow(input: AuditInput): Promise<AuditSummary> {
  const { auditId, total, batchSize, config } = input;
  const { categorizeAuditBatch, summarizeAudit } = batchActivities(input.batchTaskQueue);
  const batches = Math.ceil(total / batchSize);
  const firstBatch = input.nextBatch ?? 0;
  const progress: AuditProgress = { auditId, status: 'running', total, categorised: input.categorised ?? 0, batches, batchesDone: firstBatch };
  setHandler(auditProgressQuery, () => progress);
  setCurrentDetails(describe(progress));

  for (let batch = firstBatch; batch < batches; batch++) {
    const fromSeq = batch * batchSize;
    const { categorised } = await categorizeAuditBatch({ auditId, fromSeq, toSeq: Math.min(total, fromSeq + batchSize), config });
    progress.categorised = categorised;
    progress.batchesDone = batch + 1;
    setCurrentDetails(describe(progress));
    if (batch + 1 < batches && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof auditWorkflow>({ ...input, nextBatch: batch + 1, categorised });
    }
  }

  const summary = await summarizeAudit({ auditId, total, config, completedAt: new Date().toISOString() });
  progress.status = 'completed';
  progress.categorised = summary.categorised;
  setCurrentDetails(describe(progress));
  return summary;
}
