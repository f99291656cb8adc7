// Text -> sparse feature vector by the hashing trick: word unigrams and bigrams, and character
// n-grams inside each word (which carry typos and inflections). Hashing keeps the model a fixed
// size whatever the vocabulary, so a business's own tickets need no vocabulary file.

export interface FeatureSpec {
  /** Size of the hashed feature space; a power of two. */
  dimensions: number;
  /** Smallest and largest character n-gram, counted with the word's boundary marks. */
  charNgrams: [number, number];
  /** Word n-gram orders used: 1 (words), 2 (word pairs) or both. */
  wordNgrams: number[];
  /** Relative weight of word features against character features before normalisation. */
  wordWeight: number;
  /** The sentence encoder's vector, appended after the hashed features, scaled by `weight`. */
  embedding?: { encoder: string; dimensions: number; weight: number };
}

export const DEFAULT_FEATURE_SPEC: FeatureSpec = {
  dimensions: 1 << 18,
  charNgrams: [2, 5],
  wordNgrams: [1, 2],
  wordWeight: 1,
};

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SEED = 0x5bd1e995;
const BIGRAM_SEED = 0x1b873593;
const CHAR_SEED = 0x85ebca6b;
const WORD_BOUNDARY = 0x2; // a code no normalised word contains, marks where a word starts and ends

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lower case, accents stripped, digits folded to one token, everything else split on. */
function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .replace(/\d+/g, '0')
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== '');
}

function hashWord(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * Reusable scratch space so a vector is built without allocating per feature. One instance per
 * model; not safe to share across concurrent calls (JavaScript runs them one at a time anyway).
 */
export class FeatureHasher {
  private readonly scratch: Float64Array;
  private readonly seen: Uint8Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly mask: number;
  private readonly codes = new Int32Array(256);

  constructor(readonly spec: FeatureSpec) {
    if (spec.dimensions <= 0 || (spec.dimensions & (spec.dimensions - 1)) !== 0) {
      throw new Error(`feature dimensions must be a power of two, got ${spec.dimensions}`);
    }
    this.scratch = new Float64Array(spec.dimensions);
    this.seen = new Uint8Array(spec.dimensions);
    this.touched = new Int32Array(spec.dimensions);
    this.mask = spec.dimensions - 1;
  }

  /** Signed hashing, sublinear TF (1 + ln tf above 1), L2-normalised. */
  vectorize(text: string): SparseVector {
    this.touchedCount = 0;
    const words = tokenize(text);
    const { wordNgrams, wordWeight } = this.spec;
    const wordHashes = words.map(hashWord);
    if (wordNgrams.includes(1)) {
      for (const h of wordHashes) this.add(h ^ WORD_SEED, wordWeight);
    }
    if (wordNgrams.includes(2) && wordHashes.length > 0) {
      // Sentence boundaries count as words (hash 0), so "cancel ..." differs from "... cancel".
      for (let i = 0; i <= wordHashes.length; i++) {
        const left = i === 0 ? 0 : (wordHashes[i - 1] as number);
        const right = i === wordHashes.length ? 0 : (wordHashes[i] as number);
        this.add(Math.imul(left, 31) + right + BIGRAM_SEED, wordWeight);
      }
    }
    for (const word of words) this.addCharNgrams(word);
    return this.collect();
  }

  private addCharNgrams(word: string): void {
    const [minN, maxN] = this.spec.charNgrams;
    const length = Math.min(word.length, this.codes.length - 2) + 2;
    this.codes[0] = WORD_BOUNDARY;
    for (let i = 0; i < length - 2; i++) this.codes[i + 1] = word.charCodeAt(i);
    this.codes[length - 1] = WORD_BOUNDARY;
    for (let start = 0; start < length; start++) {
      let h = FNV_OFFSET ^ CHAR_SEED;
      const end = Math.min(length, start + maxN);
      for (let i = start; i < end; i++) {
        h = Math.imul(h ^ (this.codes[i] as number), FNV_PRIME);
        if (i - start + 1 >= minN) this.add(h, 1);
      }
    }
  }

  private add(rawHash: number, weight: number): void {
    const h = fmix32(rawHash);
    const index = h & this.mask;
    const sign = h & 0x80000000 ? -1 : 1;
    if (this.seen[index] === 0) {
      this.seen[index] = 1;
      this.touched[this.touchedCount++] = index;
    }
    this.scratch[index] = (this.scratch[index] as number) + sign * weight;
  }

  private collect(): SparseVector {
    const n = this.touchedCount;
    const indices = new Int32Array(n);
    const values = new Float32Array(n);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const index = this.touched[i] as number;
      const raw = this.scratch[index] as number;
      this.scratch[index] = 0;
      this.seen[index] = 0;
      const magnitude = Math.abs(raw);
      const value = magnitude > 1 ? Math.sign(raw) * (1 + Math.log(magnitude)) : raw;
      indices[i] = index;
      values[i] = value;
      norm += value * value;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < n; i++) values[i] = (values[i] as number) * scale;
    return { indices, values };
  }
}
