import { WorkflowNotFoundError } from '@temporalio/common';
import { CsvError, readLabelledRows } from '../ai/csv';
import {
  listModelVersions,
  listRetrainingRuns,
  modelVersionExists,
  promoteModelVersion,
  promotedModelId,
  readTrainingDataset,
  storeTrainingDataset,
} from '../db/model-versions';
import { newDatasetId, newTrainingId, retrainingId as retrainingIdAt } from '../domain/ids';
import { RuleViolation } from '../domain/rules';
import { retrainingWorkflow, type RetrainingInput } from '../workflows/retraining';
import { trainModelWorkflow } from '../workflows/training';
import type { AppContext } from './context';
import { AppError, found } from './errors';

// Model versions: train one from a labelled CSV, list them with their figures, promote one (every
// worker switches within seconds), and run the retraining loop on demand.

export async function listModels(ctx: AppContext) {
  const [promoted, versions] = await Promise.all([promotedModelId(ctx.models), listModelVersions(ctx.models)]);
  // Nothing promoted: workers use the shipped default model file.
  return { promoted: promoted ?? null, versions };
}

export type TrainingSource = { csv: string; textColumn: string; labelColumn: string; name?: string } | { datasetId: string; name?: string };

/** Stores an uploaded CSV as a dataset (or reuses one) and starts training on it. */
export async function trainModel(ctx: AppContext, source: TrainingSource): Promise<{ trainingId: string; datasetId: string }> {
  const dataset = 'csv' in source ? await storeUploadedDataset(ctx, source) : found(await readTrainingDataset(ctx.models, source.datasetId), 'dataset');
  const name = source.name ?? dataset.name;
  const trainingId = newTrainingId();
  await ctx.temporal.workflow.start(trainModelWorkflow, {
    workflowId: trainingId,
    taskQueue: ctx.taskQueue,
    args: [{ datasetId: dataset.id, name, requestedAt: new Date().toISOString(), batchTaskQueue: ctx.batchTaskQueue }],
    staticSummary: `Train model "${name}" from dataset ${dataset.id}`,
  });
  return { trainingId, datasetId: dataset.id };
}

async function storeUploadedDataset(ctx: AppContext, upload: { csv: string; textColumn: string; labelColumn: string; name?: string }) {
  let rows: ReturnType<typeof readLabelledRows>;
  try {
    rows = readLabelledRows(upload.csv, upload.textColumn, upload.labelColumn);
  } catch (err) {
    if (err instanceof CsvError) throw new RuleViolation('invalid_csv', err.message);
    throw err;
  }
  if (new Set(rows.labels).size < 2) throw new RuleViolation('too_few_labels', 'The CSV needs at least two different labels.');
  const dataset = { id: newDatasetId(), name: upload.name ?? 'uploaded' };
  await storeTrainingDataset(ctx.models, { ...dataset, texts: rows.texts, labels: rows.labels }, new Date());
  return dataset;
}

export async function promoteModel(ctx: AppContext, modelId: string): Promise<{ promoted: string }> {
  if (!(await modelVersionExists(ctx.models, modelId))) throw new AppError('not_found', 'There is no such model version.');
  await promoteModelVersion(ctx.models, modelId, new Date());
  return { promoted: modelId };
}

export async function startRetraining(ctx: AppContext, request: Omit<RetrainingInput, 'batchTaskQueue'>): Promise<{ retrainingId: string }> {
  const retrainingId = retrainingIdAt(new Date());
  await ctx.temporal.workflow.start(retrainingWorkflow, {
    workflowId: retrainingId,
    taskQueue: ctx.taskQueue,
    args: [{ ...request, batchTaskQueue: ctx.batchTaskQueue }],
    staticSummary: `On-demand retraining: learn from the last ${request.windowDays} days of agent feedback`,
  });
  return { retrainingId };
}

export function listRetrainings(ctx: AppContext) {
  return listRetrainingRuns(ctx.models);
}

export async function trainingStatus(ctx: AppContext, trainingId: string) {
  return { trainingId, ...(await workflowOutcome(ctx, trainingId, 'training run')) };
}

export async function retrainingStatus(ctx: AppContext, retrainingId: string) {
  return { retrainingId, ...(await workflowOutcome(ctx, retrainingId, 'retraining run')) };
}

/** A batch workflow's state, with its result once it has completed. */
async function workflowOutcome(ctx: AppContext, workflowId: string, what: string) {
  const handle = ctx.temporal.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') return { status: 'completed' as const, ...((await handle.result()) as object) };
    return { status: status.name === 'RUNNING' ? ('running' as const) : ('failed' as const) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new AppError('not_found', `There is no such ${what}.`);
    throw err;
  }
}
