import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { TextClassifier, type LoadedModel, type SerializedModel } from './embedded/classifier';

// Model versions as JSON files: `<dir>/<id>.json`, plus `default.json` for the shipped model.
// The serialised form is a plain object, so the same document can be kept in MongoDB.

export const DEFAULT_MODELS_DIR = path.resolve(__dirname, '..', 'models');
/** The shipped model, built by `npm run build:model`. */
export const DEFAULT_MODEL = 'default';

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const serializedModelSchema = z.object({
  id: z.string().regex(MODEL_ID),
  name: z.string().min(1),
  createdAt: z.string().min(1),
  labels: z.array(z.string()).min(2),
  featureSpec: z.object({
    dimensions: z.number().int().positive(),
    charNgrams: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    wordNgrams: z.array(z.number().int().positive()),
    wordWeight: z.number().positive(),
    embedding: z
      .object({ encoder: z.string().min(1), dimensions: z.number().int().positive(), weight: z.number().positive() })
      .optional(),
  }),
  temperature: z.number().positive(),
  weights: z.object({
    encoding: z.literal('rows-f32le-base64'),
    rows: z.string(),
    values: z.string(),
    bias: z.array(z.number()),
  }),
  metrics: z.object({
    trainingExamples: z.number(),
    calibrationExamples: z.number(),
    calibrationAccuracy: z.number().nullable(),
    eceBeforeScaling: z.number().nullable(),
    expectedCalibrationError: z.number().nullable(),
    epochs: z.number(),
  }),
});

/** Checks a stored model document (from a file or a database) and makes it ready to predict. */
export function modelFromDocument(document: unknown): LoadedModel {
  const parsed = serializedModelSchema.safeParse(document);
  if (!parsed.success) throw new Error(`not a model version: ${z.prettifyError(parsed.error)}`);
  return TextClassifier.fromJSON(parsed.data as SerializedModel);
}

/** Writes `model` to exactly `file`, atomically (a reader never sees half a model). */
export async function writeModelFile(file: string, model: LoadedModel | SerializedModel): Promise<string> {
  const document = model instanceof TextClassifier ? model.toJSON() : model;
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, `${JSON.stringify(document, null, 2)}\n`);
  await rename(partial, file);
  return file;
}

/** Stores a model version as `<dir>/<id>.json` and returns the path. */
export async function saveModel(model: LoadedModel | SerializedModel, dir = DEFAULT_MODELS_DIR): Promise<string> {
  return writeModelFile(path.join(dir, `${model.id}.json`), model);
}

/**
 * Loads a model version by file path (anything with a slash or ending in .json) or by id from
 * `dir`; `default` is the shipped model.
 */
export async function loadModel(pathOrId: string = DEFAULT_MODEL, dir = DEFAULT_MODELS_DIR): Promise<LoadedModel> {
  const isPath = pathOrId.endsWith('.json') || pathOrId.includes('/') || pathOrId.includes(path.sep);
  if (!isPath && !MODEL_ID.test(pathOrId)) throw new Error(`not a model id: ${pathOrId}`);
  const file = isPath ? path.resolve(pathOrId) : path.join(dir, `${pathOrId}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no model at ${file}`);
    throw err;
  }
  return modelFromDocument(JSON.parse(text));
}
