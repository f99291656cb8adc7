import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { readConversation } from '../db/conversations';
import { eraseReadModels, recordErasure } from '../db/erasures';
import type { Models } from '../db/models';
import { conversationWorkflowId } from '../domain/ids';

// The steps of erasing a conversation on request (workflows/erasure.ts runs them). Every step is
// safe to retry, and every result is ids and counts: the erasure's own history holds no personal data.

/** gRPC's status code for a run that is not there (deleted by an earlier attempt). */
const GRPC_NOT_FOUND = 5;

export interface ErasureActivityDeps {
  models: Models;
  temporal: Client;
  log: Logger;
}

/** A workflow id and the run ids of every execution it has (continue-as-new leaves one per run). */
export interface WorkflowRuns {
  workflowId: string;
  runIds: string[];
}

/** What to erase: the conversation, and the human tasks its live workflow names (ids only). */
export interface ErasureInput {
  conversationId: string;
  liveTaskIds: string[];
}

export interface ErasureTargets {
  workflows: WorkflowRuns[];
  /** Whether the conversation's read model exists. */
  readModelFound: boolean;
}

export function createErasureActivities({ models, temporal, log }: ErasureActivityDeps) {
  /** Run ids of every execution with this workflow id. */
  async function everyRun(workflowId: string): Promise<string[]> {
    const runs = new Set<string>();
    const current = await temporal.workflow
      .getHandle(workflowId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    // Visibility can lag behind a workflow started a moment ago; describe cannot.
    if (current) runs.add(current.runId);
    for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` })) {
      runs.add(execution.runId);
    }
    return [...runs];
  }

  return {
    /**
     * The conversation's workflow and every human task it had, with their runs: the tasks the read
     * model lists and those the live workflow named (its read model may lag behind it).
     */
    async findErasureTargets({ conversationId, liveTaskIds }: ErasureInput): Promise<ErasureTargets> {
      const conversation = await readConversation(models, conversationId);
      const workflowIds = [...new Set([conversationWorkflowId(conversationId), ...(conversation?.handoffTaskIds ?? []), ...liveTaskIds])];
      const workflows = await Promise.all(workflowIds.map(async (workflowId) => ({ workflowId, runIds: await everyRun(workflowId) })));
      return { workflows, readModelFound: conversation !== null };
    },

    /** Deletes the runs of one workflow, history included; a run already gone counts as deleted. */
    async deleteWorkflowRuns({ workflowId, runIds }: WorkflowRuns): Promise<void> {
      for (const runId of runIds) {
        await temporal.workflowService
          .deleteWorkflowExecution({ namespace: temporal.options.namespace, workflowExecution: { workflowId, runId } })
          .catch((err: unknown) => {
            if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return;
            throw err;
          });
      }
    },

    /** Deletes every read model naming the conversation; returns documents deleted by collection. */
    eraseReadModels: (conversationId: string): Promise<Record<string, number>> => eraseReadModels(models, conversationId),

    /** The audit entry: ids and counts only. */
    async recordErasure(erasure: { conversationId: string; erasedAt: string; workflowsDeleted: string[]; deleted: Record<string, number> }): Promise<void> {
      await recordErasure(models, { ...erasure, erasedAt: new Date(erasure.erasedAt) });
      log.info(erasure, 'conversation erased on request');
    },
  };
}

export type ErasureActivities = ReturnType<typeof createErasureActivities>;
