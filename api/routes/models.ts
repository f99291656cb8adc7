import express, { Router } from 'express';
import * as modelVersions from '../../app/models';
import type { ApiDeps } from '../deps';
import { modelIdParam, retrainBody, retrainingIdParam, trainModelBody, trainingIdParam } from '../schemas';

/** A labelled CSV is larger than any other body: the train route parses first, with its own limit. */
export const trainingUploadParser = express.json({ limit: '20mb', strict: true });

export function modelRoutes(deps: ApiDeps): Router {
  const { operator } = deps.auth;
  const router = Router();

  router.get('/v1/models', operator, async (_req, res) => {
    res.json(await modelVersions.listModels(deps));
  });

  router.post('/v1/models/train', operator, async (req, res) => {
    res.status(202).json(await modelVersions.trainModel(deps, trainModelBody.parse(req.body)));
  });

  router.get('/v1/models/training/:trainingId', operator, async (req, res) => {
    res.json(await modelVersions.trainingStatus(deps, trainingIdParam.parse(req.params).trainingId));
  });

  router.post('/v1/models/:modelId/promote', operator, async (req, res) => {
    res.json(await modelVersions.promoteModel(deps, modelIdParam.parse(req.params).modelId));
  });

  router.post('/v1/models/retrain', operator, async (req, res) => {
    res.status(202).json(await modelVersions.startRetraining(deps, retrainBody.parse(req.body ?? {})));
  });

  router.get('/v1/models/retraining', operator, async (_req, res) => {
    res.json({ runs: await modelVersions.listRetrainings(deps) });
  });

  router.get('/v1/models/retraining/:retrainingId', operator, async (req, res) => {
    res.json(await modelVersions.retrainingStatus(deps, retrainingIdParam.parse(req.params).retrainingId));
  });

  return router;
}
