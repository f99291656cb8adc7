import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { LearningActivities } from '../activities/learning';

export interface TrainModelInput {
  datasetId: string;
  name: string;
  /** Stamped into the model: the same request trains the same version on a retry. */
  requestedAt: string;
  /** Where training runs; absent in trainings started before batch workflows moved to the conversations queue. */
  batchTaskQueue?: string;
}

/** Trains a model version from an uploaded dataset; promoting it is a separate, deliberate step. */
export async function trainModelWorkflow(input: TrainModelInput): Promise<{ modelId: string; labels: string[]; metrics: object }> {
  // CPU-bound: on the batch queue, one activity at a time, with a generous timeout
  // (it heartbeats between training steps, for liveness only).
  const { trainModelVersion } = proxyActivities<LearningActivities>({
    taskQueue: input.batchTaskQueue,
    summary: 'Train the embedded classifier',
    startToCloseTimeout: '30 minutes',
    retry: { maximumAttempts: 2, initialInterval: '5 seconds' },
  });
  setCurrentDetails(`Training **${input.name}** from dataset \`${input.datasetId}\``);
  const result = await trainModelVersion(input);
  setCurrentDetails(`Trained model \`${result.modelId}\` (${result.labels.length} labels); not promoted`);
  return result;
}
