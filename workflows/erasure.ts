import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { ErasureActivities, ErasureInput } from '../activities/erasure';
import { ownDatabaseWrite } from './activity-options';

// A conversation erased on request (DELETE /v1/conversations/:id), as a workflow so that a failure
// half-way (the database away, a worker killed) is retried to the end instead of leaving it half
// done. Input, results and details are ids and counts only: this history holds no personal data.

// Temporal and our own database: both must eventually answer, however long they are away.
const { findErasureTargets } = proxyActivities<ErasureActivities>({ summary: 'Find the conversation and its human tasks', ...ownDatabaseWrite });
const { deleteWorkflowRuns } = proxyActivities<ErasureActivities>(ownDatabaseWrite);
const { eraseReadModels } = proxyActivities<ErasureActivities>({ summary: 'Delete the read models', ...ownDatabaseWrite });
const { recordErasure } = proxyActivities<ErasureActivities>({ summary: 'Write the erasure log entry', ...ownDatabaseWrite });

export type ErasureResult =
  | { erased: false }
  | { erased: true; conversationId: string; erasedAt: string; workflowsDeleted: string[]; deleted: Record<string, number> };

export async function erasureWorkflow(input: ErasureInput): Promise<ErasureResult> {
  const { conversationId } = input;
  const targets = await findErasureTargets(input);
  const withRuns = targets.workflows.filter((w) => w.runIds.length > 0);
  if (withRuns.length === 0 && !targets.readModelFound) {
    setCurrentDetails('Nothing to erase: no such conversation');
    return { erased: false };
  }

  // Executions first, so no workflow writes the read models again after they are deleted.
  const workflowsDeleted: string[] = [];
  for (const workflow of withRuns) {
    setCurrentDetails(`Deleting ${workflow.workflowId} (${workflowsDeleted.length + 1} of ${withRuns.length} workflows)`);
    await deleteWorkflowRuns.executeWithOptions({ ...ownDatabaseWrite, summary: `Delete ${workflow.workflowId} and its history` }, [workflow]);
    workflowsDeleted.push(workflow.workflowId);
  }
  setCurrentDetails('Deleting the read models');
  const deleted = await eraseReadModels(conversationId);
  const erasedAt = new Date().toISOString();
  await recordErasure({ conversationId, erasedAt, workflowsDeleted, deleted });
  setCurrentDetails(`Erased: ${workflowsDeleted.length} workflows, ${Object.values(deleted).reduce((a, b) => a + b, 0)} documents`);
  return { erased: true, conversationId, erasedAt, workflowsDeleted, deleted };
}
