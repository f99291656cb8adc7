import { createHash } from 'node:crypto';
import { DEFAULT_FEATURE_SPEC, FeatureHasher, type FeatureSpec, type SparseVector } from './features';

// A linear text classifier: hashed word and character n-grams (which carry typos) and, when the
// model was trained with one, the sentence encoder's embedding (which carries meaning: "parcel
// never came" near "package is missing") into multinomial logistic regression, trained with
// Adagrad, then temperature-scaled on a held-out slice of the training data so that its
// confidence can be read as a probability of being right.

export interface TrainingOptions {
  /** Human name of the model; the start of its id. */
  name: string;
  /** Seeds the calibration split and the example order; same data + same seed = same model. */
  seed?: number;
  featureSpec?: Partial<FeatureSpec>;
  epochs?: number;
  learningRate?: number;
  /** L2 penalty per update of an active feature. */
  l2?: number;
  /** Share of each label's examples kept out of training to fit the temperature. */
  calibrationFraction?: number;
  /** Stamped into the model and its id; pass a fixed date for a byte-identical rebuild. */
  createdAt?: Date;
  /** Sentence embeddings of the texts, in order; the model then needs one for every prediction. */
  embeddings?: { encoder: string; vectors: Float32Array[]; weight?: number };
}

export interface TrainingMetrics {
  trainingExamples: number;
  calibrationExamples: number;
  /** Accuracy on the calibration slice, which the weights never saw. */
  calibrationAccuracy: number | null;
  /** Expected calibration error on that slice (15 bins) before and after temperature scaling. */
  eceBeforeScaling: number | null;
  expectedCalibrationError: number | null;
  epochs: number;
}

export interface SerializedWeights {
  /** Only feature rows that occurred in training are stored; every other row is zero. */
  encoding: 'rows-f32le-base64';
  /** Feature indices, Int32 little-endian, ascending. */
  rows: string;
  /** rows.length x labels.length weights, Float32 little-endian, row-major. */
  values: string;
  bias: number[];
}

/** The stored form of a model version: plain JSON, so a file or a database document holds it. */
export interface SerializedModel {
  id: string;
  name: string;
  createdAt: string;
  labels: string[];
  featureSpec: FeatureSpec;
  temperature: number;
  weights: SerializedWeights;
  metrics: TrainingMetrics;
}

export interface Prediction {
  label: string;
  /** Calibrated probability that `label` is right. */
  confidence: number;
}

const CALIBRATION_BINS = 15;
/** Length of the embedding part against the n-gram part's 1: tuned on BANKING77 and CLINC150 train slices. */
const DEFAULT_EMBEDDING_WEIGHT = 1;

/** Hashed n-grams, then the embedding's dimensions after them. */
function features(ngrams: SparseVector, embedding: Float32Array | undefined, spec: FeatureSpec, model: string): SparseVector {
  const dense = spec.embedding;
  if (!dense) return ngrams;
  if (!embedding || embedding.length !== dense.dimensions) {
    throw new Error(`model ${model} needs a ${dense.dimensions}-dimension embedding from ${dense.encoder}`);
  }
  const n = ngrams.indices.length;
  const indices = new Int32Array(n + dense.dimensions);
  const values = new Float32Array(n + dense.dimensions);
  indices.set(ngrams.indices);
  values.set(ngrams.values);
  for (let d = 0; d < dense.dimensions; d++) {
    indices[n + d] = spec.dimensions + d;
    values[n + d] = (embedding[d] as number) * dense.weight;
  }
  return { indices, values };
}

function featureCount(spec: FeatureSpec): number {
  return spec.dimensions + (spec.embedding?.dimensions ?? 0);
}

export class TextClassifier {
  private readonly hasher: FeatureHasher;
  /** Feature index -> row in `rowWeights`, or -1 for a feature never seen in training. */
  private readonly rowOf: Int32Array;
  private readonly scores: Float64Array;

  private constructor(
    readonly id: string,
    readonly name: string,
    readonly createdAt: string,
    readonly labels: readonly string[],
    readonly featureSpec: FeatureSpec,
    readonly temperature: number,
    readonly metrics: TrainingMetrics,
    private readonly rows: Int32Array,
    private readonly rowWeights: Float32Array,
    private readonly bias: Float64Array,
  ) {
    this.hasher = new FeatureHasher(featureSpec);
    this.rowOf = rowIndex(rows, featureCount(featureSpec));
    this.scores = new Float64Array(labels.length);
  }

  /** `embedding` is the sentence encoder's vector of `text`, required when the model uses one. */
  predict(text: string, embedding?: Float32Array): Prediction {
    const probabilities = this.probabilities(text, embedding);
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) {
      if ((probabilities[k] as number) > (probabilities[best] as number)) best = k;
    }
    return { label: this.labels[best] as string, confidence: probabilities[best] as number };
  }

  /** Calibrated probability of every label, in the order of `labels`. */
  probabilities(text: string, embedding?: Float32Array): Float64Array {
    const logits = this.logits(features(this.hasher.vectorize(text), embedding, this.featureSpec, this.id));
    return softmax(logits, this.temperature);
  }

  /** The sentence encoder this model was trained with, if any: predictions need its vectors. */
  get encoder(): string | undefined {
    return this.featureSpec.embedding?.encoder;
  }

  toJSON(): SerializedModel {
    return {
      id: this.id,
      name: this.name,
      createdAt: this.createdAt,
      labels: [...this.labels],
      featureSpec: this.featureSpec,
      temperature: this.temperature,
      weights: encodeWeights(this.rows, this.rowWeights, this.bias),
      metrics: this.metrics,
    };
  }

  static fromJSON(model: SerializedModel): TextClassifier {
    if (model.weights?.encoding !== 'rows-f32le-base64') {
      throw new Error(`model ${model.id}: unknown weights encoding ${String(model.weights?.encoding)}`);
    }
    const rows = decodeInt32(model.weights.rows);
    const values = decodeFloat32(model.weights.values);
    if (values.length !== rows.length * model.labels.length || model.weights.bias.length !== model.labels.length) {
      throw new Error(`model ${model.id}: weights do not match its ${model.labels.length} labels`);
    }
    return new TextClassifier(
      model.id,
      model.name,
      model.createdAt,
      model.labels,
      model.featureSpec,
      model.temperature,
      model.metrics,
      rows,
      values,
      Float64Array.from(model.weights.bias),
    );
  }

  /** Built by `trainClassifier`; the id is derived from the content. */
  static fromTraining(
    name: string,
    createdAt: Date,
    labels: string[],
    featureSpec: FeatureSpec,
    temperature: number,
    metrics: TrainingMetrics,
    weights: { rows: Int32Array; values: Float32Array; bias: Float64Array },
  ): TextClassifier {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ name, labels, featureSpec, temperature }))
      .update(Buffer.from(weights.rows.buffer, weights.rows.byteOffset, weights.rows.byteLength))
      .update(Buffer.from(weights.values.buffer, weights.values.byteOffset, weights.values.byteLength))
      .update(Buffer.from(weights.bias.buffer, weights.bias.byteOffset, weights.bias.byteLength))
      .digest('hex');
    const day = createdAt.toISOString().slice(0, 10).replace(/-/g, '');
    const id = `${slug(name)}-${day}-${fingerprint.slice(0, 8)}`;
    return new TextClassifier(
      id,
      name,
      createdAt.toISOString(),
      labels,
      featureSpec,
      temperature,
      metrics,
      weights.rows,
      weights.values,
      weights.bias,
    );
  }

  private logits(x: SparseVector): Float64Array {
    return linearScores(x, this.rowOf, this.rowWeights, this.bias, this.scores);
  }
}

/** bias + x·W over the stored rows; features without a row (never seen in training) add nothing. */
function linearScores(x: SparseVector, rowOf: Int32Array, weights: Float32Array, bias: Float64Array, out: Float64Array): Float64Array {
  const k = bias.length;
  out.set(bias);
  for (let j = 0; j < x.indices.length; j++) {
    const row = rowOf[x.indices[j] as number] as number;
    if (row < 0) continue;
    const value = x.values[j] as number;
    const offset = row * k;
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) + value * (weights[offset + c] as number);
  }
  return out;
}

/** What the provider and the model store hold: a classifier ready to predict. */
export type LoadedModel = TextClassifier;

/** Trains in one go, blocking the thread: scripts and tests. */
export function trainClassifier(texts: string[], labels: string[], options: TrainingOptions): TextClassifier {
  const steps = trainingSteps(texts, labels, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Trains the same model, giving the event loop back every few hundred examples so the process
 * keeps answering (heartbeats, other activities, an HTTP server sharing it); `onProgress` runs at
 * each pause. Activities train with this.
 */
export async function trainClassifierYielding(
  texts: string[],
  labels: string[],
  options: TrainingOptions,
  onProgress?: () => void,
): Promise<TextClassifier> {
  const steps = trainingSteps(texts, labels, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    onProgress?.();
  }
}

/** Examples between two pauses of `trainClassifierYielding`: about 10-50 ms of work each. */
const EXAMPLES_PER_STEP = 200;

function* trainingSteps(texts: string[], labels: string[], options: TrainingOptions): Generator<void, TextClassifier> {
  if (texts.length !== labels.length) throw new Error('texts and labels must have the same length');
  const labelSet = [...new Set(labels)].sort();
  if (labelSet.length < 2) throw new Error('training needs at least two different labels');
  const featureSpec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, ...options.featureSpec };
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? 25;
  const random = mulberry32(seed);
  const labelIndex = new Map(labelSet.map((label, i) => [label, i]));
  const y = Int32Array.from(labels, (label) => labelIndex.get(label) as number);

  const { trainIds, calibrationIds } = stratifiedSplit(y, labelSet.length, options.calibrationFraction ?? 0.1, random);
  if (options.embeddings) {
    if (options.embeddings.vectors.length !== texts.length) throw new Error('one embedding per text is needed');
    featureSpec.embedding = {
      encoder: options.embeddings.encoder,
      dimensions: options.embeddings.vectors[0]?.length ?? 0,
      weight: options.embeddings.weight ?? DEFAULT_EMBEDDING_WEIGHT,
    };
  }
  const hasher = new FeatureHasher(featureSpec);
  const vectors = texts.map((text, i) => features(hasher.vectorize(text), options.embeddings?.vectors[i], featureSpec, options.name));

  const compact = compactFeatures(trainIds.map((i) => vectors[i] as SparseVector));
  const k = labelSet.length;
  const model = yield* fitSoftmax(
    compact.vectors,
    trainIds.map((i) => y[i] as number),
    compact.rows.length,
    k,
    { epochs, learningRate: options.learningRate ?? 0.2, l2: options.l2 ?? 1e-5 },
    random,
  );
  const rowOf = rowIndex(compact.rows, featureCount(featureSpec));
  const calibrationLogits = calibrationIds.map((i) =>
    linearScores(vectors[i] as SparseVector, rowOf, model.weights, model.bias, new Float64Array(k)),
  );
  const calibrationLabels = calibrationIds.map((i) => y[i] as number);
  const temperature = calibrationIds.length > 0 ? fitTemperature(calibrationLogits, calibrationLabels) : 1;
  const calibration = calibrationReport(calibrationLogits, calibrationLabels, temperature);

  const metrics: TrainingMetrics = {
    trainingExamples: trainIds.length,
    calibrationExamples: calibrationIds.length,
    ...calibration,
    epochs,
  };
  return TextClassifier.fromTraining(
    options.name,
    options.createdAt ?? new Date(),
    labelSet,
    featureSpec,
    temperature,
    metrics,
    { rows: compact.rows, values: model.weights, bias: model.bias },
  );
}

/** Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size. */
export function expectedCalibrationError(confidences: ArrayLike<number>, correct: ArrayLike<boolean>, bins = CALIBRATION_BINS): number {
  const n = confidences.length;
  if (n === 0) return 0;
  const count = new Float64Array(bins);
  const confidenceSum = new Float64Array(bins);
  const correctSum = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const confidence = confidences[i] as number;
    const bin = Math.min(bins - 1, Math.floor(confidence * bins));
    count[bin] = (count[bin] as number) + 1;
    confidenceSum[bin] = (confidenceSum[bin] as number) + confidence;
    correctSum[bin] = (correctSum[bin] as number) + (correct[i] ? 1 : 0);
  }
  let error = 0;
  for (let b = 0; b < bins; b++) {
    const size = count[b] as number;
    if (size > 0) error += Math.abs((correctSum[b] as number) - (confidenceSum[b] as number)) / n;
  }
  return error;
}

function* fitSoftmax(
  vectors: SparseVector[],
  y: number[],
  features: number,
  k: number,
  hyper: { epochs: number; learningRate: number; l2: number },
  random: () => number,
): Generator<void, { weights: Float32Array; bias: Float64Array }> {
  const weights = new Float32Array(features * k);
  const squaredGradients = new Float32Array(features * k);
  const bias = new Float64Array(k);
  const biasSquaredGradients = new Float64Array(k);
  const scores = new Float64Array(k);
  const order = vectors.map((_, i) => i);
  const { learningRate, l2 } = hyper;
  const epsilon = 1e-8;

  for (let epoch = 0; epoch < hyper.epochs; epoch++) {
    shuffle(order, random);
    for (const [step, i] of order.entries()) {
      if (step % EXAMPLES_PER_STEP === EXAMPLES_PER_STEP - 1) yield;
      const x = vectors[i] as SparseVector;
      scores.set(bias);
      for (let j = 0; j < x.indices.length; j++) {
        const offset = (x.indices[j] as number) * k;
        const value = x.values[j] as number;
        for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) + value * (weights[offset + c] as number);
      }
      const p = softmax(scores, 1);
      p[y[i] as number] = (p[y[i] as number] as number) - 1; // gradient of the loss w.r.t. each score
      for (let c = 0; c < k; c++) {
        const g = p[c] as number;
        biasSquaredGradients[c] = (biasSquaredGradients[c] as number) + g * g;
        bias[c] = (bias[c] as number) - (learningRate * g) / (Math.sqrt(biasSquaredGradients[c] as number) + epsilon);
      }
      for (let j = 0; j < x.indices.length; j++) {
        const offset = (x.indices[j] as number) * k;
        const value = x.values[j] as number;
        for (let c = 0; c < k; c++) {
          const at = offset + c;
          const w = weights[at] as number;
          const g = (p[c] as number) * value + l2 * w;
          const sum = (squaredGradients[at] as number) + g * g;
          squaredGradients[at] = sum;
          weights[at] = w - (learningRate * g) / (Math.sqrt(sum) + epsilon);
        }
      }
    }
  }
  return { weights, bias };
}

/**
 * The temperature that minimises the calibration slice's negative log-likelihood against labels
 * smoothed by Laplace's rule: with every held-out example right, plain NLL would push the
 * temperature to zero and make every later mistake look certain.
 */
function fitTemperature(logits: Float64Array[], y: number[]): number {
  const smoothing = 1 / (logits.length + 2);
  const nll = (logTemperature: number): number => {
    const t = Math.exp(logTemperature);
    let total = 0;
    logits.forEach((scores, i) => {
      const p = softmax(scores, t);
      const truth = y[i] as number;
      for (let c = 0; c < p.length; c++) {
        const target = c === truth ? 1 - smoothing : smoothing / (p.length - 1);
        total -= target * Math.log(Math.max(p[c] as number, 1e-300));
      }
    });
    return total;
  };
  // Golden-section search on log T over [1/50, 50]: NLL is unimodal in T for a fixed model.
  let low = Math.log(0.02);
  let high = Math.log(50);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let fa = nll(a);
  let fb = nll(b);
  for (let step = 0; step < 60; step++) {
    if (fa < fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = nll(a);
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = nll(b);
    }
  }
  return Number(Math.exp((low + high) / 2).toPrecision(6));
}

function calibrationReport(
  logits: Float64Array[],
  y: number[],
  temperature: number,
): Pick<TrainingMetrics, 'calibrationAccuracy' | 'eceBeforeScaling' | 'expectedCalibrationError'> {
  if (logits.length === 0) return { calibrationAccuracy: null, eceBeforeScaling: null, expectedCalibrationError: null };
  const summarise = (t: number): { confidences: number[]; correct: boolean[] } => {
    const confidences: number[] = [];
    const correct: boolean[] = [];
    logits.forEach((scores, i) => {
      const p = softmax(scores, t);
      let best = 0;
      for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      confidences.push(p[best] as number);
      correct.push(best === y[i]);
    });
    return { confidences, correct };
  };
  const before = summarise(1);
  const after = summarise(temperature);
  const round = (x: number): number => Number(x.toFixed(4));
  return {
    calibrationAccuracy: round(after.correct.filter(Boolean).length / after.correct.length),
    eceBeforeScaling: round(expectedCalibrationError(before.confidences, before.correct)),
    expectedCalibrationError: round(expectedCalibrationError(after.confidences, after.correct)),
  };
}

function softmax(scores: Float64Array, temperature: number): Float64Array {
  const out = new Float64Array(scores.length);
  let max = -Infinity;
  for (let c = 0; c < scores.length; c++) max = Math.max(max, scores[c] as number);
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const e = Math.exp(((scores[c] as number) - max) / temperature);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < scores.length; c++) out[c] = (out[c] as number) / sum;
  return out;
}

/** Feature index -> its row among `rows`, or -1. */
function rowIndex(rows: Int32Array, dimensions: number): Int32Array {
  const rowOf = new Int32Array(dimensions).fill(-1);
  rows.forEach((feature, row) => {
    rowOf[feature] = row;
  });
  return rowOf;
}

/** Renumbers the features the training set uses to 0..n-1, so weights are sized by use. */
function compactFeatures(vectors: SparseVector[]): { rows: Int32Array; vectors: SparseVector[] } {
  const used = new Set<number>();
  for (const x of vectors) for (const index of x.indices) used.add(index);
  const rows = Int32Array.from([...used].sort((a, b) => a - b));
  const rowOf = new Map<number, number>();
  rows.forEach((feature, row) => rowOf.set(feature, row));
  return {
    rows,
    vectors: vectors.map((x) => ({ indices: x.indices.map((index) => rowOf.get(index) as number), values: x.values })),
  };
}

function stratifiedSplit(
  y: Int32Array,
  labelCount: number,
  fraction: number,
  random: () => number,
): { trainIds: number[]; calibrationIds: number[] } {
  const byLabel: number[][] = Array.from({ length: labelCount }, () => []);
  y.forEach((label, i) => byLabel[label]?.push(i));
  const trainIds: number[] = [];
  const calibrationIds: number[] = [];
  for (const ids of byLabel) {
    shuffle(ids, random);
    // A label with a single example keeps it for training: the weights need it more.
    const held = ids.length < 2 ? 0 : Math.round(ids.length * fraction);
    calibrationIds.push(...ids.slice(0, held));
    trainIds.push(...ids.slice(held));
  }
  return { trainIds: trainIds.sort((a, b) => a - b), calibrationIds: calibrationIds.sort((a, b) => a - b) };
}

/** Small seeded PRNG (mulberry32): training must not depend on Math.random. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function slug(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'model' : cleaned;
}

function encodeWeights(rows: Int32Array, values: Float32Array, bias: Float64Array): SerializedWeights {
  const rowBytes = Buffer.alloc(rows.length * 4);
  rows.forEach((row, i) => rowBytes.writeInt32LE(row, i * 4));
  const valueBytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => valueBytes.writeFloatLE(value, i * 4));
  return {
    encoding: 'rows-f32le-base64',
    rows: rowBytes.toString('base64'),
    values: valueBytes.toString('base64'),
    bias: Array.from(bias),
  };
}

function decodeInt32(base64: string): Int32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt32LE(i * 4);
  return out;
}

function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
