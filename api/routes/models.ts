import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CsvError, readLabelledRows } from '../../ai/csv';
import {
  listModelVersions,
  listRetrainingRuns,
  modelVersionExists,
  promoteModelVersion,
  promotedModelId,
  readTrainingDataset,
  storeTrainingDataset,
} from '../../db/model-versions';
import { retrainingWorkflow } from '../../workflows/retraining';
import { trainModelWorkflow } from '../../workflows/training';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { modelIdParam, retrainBody, retrainingIdParam, trainModelBody, trainingIdParam } from '../schemas';

// Model versions: train one from a labelled CSV, list them with their figures, promote one (every
// worker switches within seconds), and run the retraining loop on demand.

/** A labelled CSV is larger than any other body: the train route parses first, with its own limit. */
export const trainingUploadParser = express.json({ limit: '20mb', strict: true });

export function modelRoutes(deps: ApiDeps): Router {
  const { auth, models, temporal, taskQueue, batchTaskQueue } = deps;
  const router = Router();

  router.get('/v1/models', auth.operator, async (_req, res) => {
    const [promoted, versions] = await Promise.all([promotedModelId(models), listModelVersions(models)]);
    // Nothing promoted: workers use the shipped default model file.
    res.json({ promoted: promoted ?? null, versions });
  });

  router.post('/v1/models/train', auth.operator, async (req, res) => {
    const body = trainModelBody.parse(req.body);
    let datasetId: string;
    let name: string;
    if ('csv' in body) {
      let rows: ReturnType<typeof readLabelledRows>;
      try {
        rows = readLabelledRows(body.csv, body.textColumn, body.labelColumn);
      } catch (err) {
        if (err instanceof CsvError) throw new ApiError(422, 'invalid_csv', err.message);
        throw err;
      }
      if (new Set(rows.labels).size < 2) throw new ApiError(422, 'too_few_labels', 'The CSV needs at least two different labels.');
      datasetId = `dataset-${randomUUID()}`;
      name = body.name ?? 'uploaded';
      await storeTrainingDataset(models, { id: datasetId, name, texts: rows.texts, labels: rows.labels }, new Date());
    } else {
      const dataset = await readTrainingDataset(models, body.datasetId);
      if (!dataset) throw new ApiError(404, 'not_found', 'There is no such dataset.');
      datasetId = dataset.id;
      name = body.name ?? dataset.name;
    }
    const trainingId = `training-${randomUUID()}`;
    await temporal.workflow.start(trainModelWorkflow, {
      workflowId: trainingId,
      taskQueue,
      args: [{ datasetId, name, requestedAt: new Date().toISOString(), batchTaskQueue }],
      staticSummary: `Train model "${name}" from dataset ${datasetId}`,
    });
    res.status(202).json({ trainingId, datasetId });
  });

  router.get('/v1/models/training/:trainingId', auth.operator, async (req, res) => {
    const { trainingId } = trainingIdParam.parse(req.params);
    const handle = temporal.workflow.getHandle(trainingId);
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') {
      res.json({ trainingId, status: 'completed', ...(await handle.result()) });
      return;
    }
    res.json({ trainingId, status: status.name === 'RUNNING' ? 'running' : 'failed' });
  });

  router.post('/v1/models/:modelId/promote', auth.operator, async (req, res) => {
    const { modelId } = modelIdParam.parse(req.params);
    if (!(await modelVersionExists(models, modelId))) throw new ApiError(404, 'not_found', 'There is no such model version.');
    await promoteModelVersion(models, modelId, new Date());
    res.json({ promoted: modelId });
  });

  router.post('/v1/models/retrain', auth.operator, async (req, res) => {
    const body = retrainBody.parse(req.body ?? {});
    const retrainingId = `retraining-${new Date().toISOString()}`;
    await temporal.workflow.start(retrainingWorkflow, {
      workflowId: retrainingId,
      taskQueue,
      args: [{ ...body, batchTaskQueue }],
      staticSummary: `On-demand retraining: learn from the last ${body.windowDays} days of agent feedback`,
    });
    res.status(202).json({ retrainingId });
  });

  router.get('/v1/models/retraining', auth.operator, async (_req, res) => {
    res.json({ runs: await listRetrainingRuns(models) });
  });

  router.get('/v1/models/retraining/:retrainingId', auth.operator, async (req, res) => {
    const { retrainingId } = retrainingIdParam.parse(req.params);
    try {
      const { status } = await temporal.workflow.getHandle(retrainingId).describe();
      if (status.name !== 'COMPLETED') {
        res.json({ retrainingId, status: status.name === 'RUNNING' ? 'running' : 'failed' });
        return;
      }
      res.json({ retrainingId, status: 'completed', ...(await temporal.workflow.getHandle(retrainingId).result()) });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', 'There is no such retraining run.');
      throw err;
    }
  });

  return router;
}
