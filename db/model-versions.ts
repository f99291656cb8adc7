import { Schema, type InferSchemaType } from 'mongoose';
import type { SerializedModel, TrainingMetrics } from '../ai/embedded/classifier';
import type { Models } from './models';

// Model versions live in MongoDB so that every worker, on any machine, loads the same promoted
// version. A version is its serialised classifier (about 2.2 MB for the 27-intent default, well
// under the 16 MB document limit of MongoDB and FerretDB) plus what operators compare it by.

/** Accuracy figures of one model on one evaluation set. */
export interface EvaluationFigures {
  examples: number;
  accuracy: number;
  macroF1: number;
}

export const modelVersionSchema = new Schema(
  {
    /** The model's content-derived id. */
    _id: { type: String, required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
    labels: { type: [String], required: true },
    metrics: { type: Schema.Types.Mixed, required: true },
    /** Where it came from: an uploaded dataset, a retraining run, the command line. */
    source: { kind: { type: String, required: true }, datasetId: String, retrainingId: String },
    /** The serialised classifier; left out of listings. */
    document: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);

/** Single documents of process-wide settings; `promoted-model` points at the model workers use. */
export const settingSchema = new Schema(
  { _id: { type: String, required: true }, modelId: String, promotedAt: Date },
  { versionKey: false },
);

export const PROMOTED_MODEL_SETTING = 'promoted-model';

export type ModelVersionRecord = InferSchemaType<typeof modelVersionSchema>;

export interface ModelVersionSource {
  kind: 'upload' | 'retraining' | 'command';
  datasetId?: string;
  retrainingId?: string;
}

export interface ModelVersionSummary {
  id: string;
  name: string;
  createdAt: Date;
  labels: string[];
  metrics: TrainingMetrics;
  source: ModelVersionSource;
}

/** Idempotent: storing the same version twice keeps one document (the id is derived from the content). */
export async function storeModelVersion(models: Models, model: SerializedModel, source: ModelVersionSource): Promise<void> {
  await models.ModelVersion.updateOne(
    { _id: model.id },
    {
      $setOnInsert: {
        name: model.name,
        createdAt: new Date(model.createdAt),
        labels: model.labels,
        metrics: model.metrics,
        source,
        document: model,
      },
    },
    { upsert: true },
  );
}

/** Newest first, without the weights. */
export async function listModelVersions(models: Models, limit = 50): Promise<ModelVersionSummary[]> {
  const docs = await models.ModelVersion.find({}, { document: 0 }).sort({ createdAt: -1 }).limit(limit).lean();
  return docs.map((doc) => ({
    id: doc._id,
    name: doc.name,
    createdAt: doc.createdAt,
    labels: doc.labels,
    metrics: doc.metrics as TrainingMetrics,
    source: doc.source as ModelVersionSource,
  }));
}

export async function readModelVersion(models: Models, id: string): Promise<SerializedModel | undefined> {
  const doc = await models.ModelVersion.findById(id, { document: 1 }).lean();
  return doc ? (doc.document as SerializedModel) : undefined;
}

export async function modelVersionExists(models: Models, id: string): Promise<boolean> {
  return (await models.ModelVersion.countDocuments({ _id: id })) > 0;
}

/** The promoted model's id, or undefined when workers use the shipped default. A cheap query. */
export async function promotedModelId(models: Models): Promise<string | undefined> {
  const setting = await models.Setting.findById(PROMOTED_MODEL_SETTING).lean();
  return setting?.modelId ?? undefined;
}

/** Points every worker at `modelId`; promoting the promoted model again changes nothing. */
export async function promoteModelVersion(models: Models, modelId: string, at: Date): Promise<void> {
  if ((await promotedModelId(models)) === modelId) return;
  await models.Setting.updateOne({ _id: PROMOTED_MODEL_SETTING }, { $set: { modelId, promotedAt: at } }, { upsert: true });
}

/** A labelled dataset uploaded for training, kept so a model version can say what it learned from. */
export const trainingDatasetSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    texts: { type: [String], required: true },
    labels: { type: [String], required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export interface TrainingDataset {
  id: string;
  name: string;
  texts: string[];
  labels: string[];
}

export async function storeTrainingDataset(models: Models, dataset: TrainingDataset, at: Date): Promise<void> {
  await models.TrainingDataset.replaceOne(
    { _id: dataset.id },
    { name: dataset.name, texts: dataset.texts, labels: dataset.labels, createdAt: at },
    { upsert: true },
  );
}

export async function readTrainingDataset(models: Models, id: string): Promise<TrainingDataset | undefined> {
  const doc = await models.TrainingDataset.findById(id).lean();
  return doc ? { id: doc._id, name: doc.name, texts: doc.texts, labels: doc.labels } : undefined;
}

/** One retraining run's decision and figures, keyed by its workflow id. */
export const retrainingRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true, index: true },
    /** The whole workflow result: feedback counts, candidate and current figures, decision, export. */
    result: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);

export async function recordRetrainingRun(models: Models, id: string, startedAt: Date, finishedAt: Date, result: object): Promise<void> {
  await models.RetrainingRun.replaceOne({ _id: id }, { startedAt, finishedAt, result }, { upsert: true });
}

export async function listRetrainingRuns(models: Models, limit = 20): Promise<Array<{ id: string; startedAt: Date; finishedAt: Date; result: unknown }>> {
  const docs = await models.RetrainingRun.find({}).sort({ finishedAt: -1 }).limit(limit).lean();
  return docs.map((d) => ({ id: d._id, startedAt: d.startedAt, finishedAt: d.finishedAt, result: d.result }));
}
