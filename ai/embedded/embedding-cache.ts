import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SentenceEncoder } from './encoder';

// Training sets are embedded once per encoder, not once per training run: 10,000 sentences take
// a minute or two on one core. The file is named by the encoder and the exact texts, so a
// changed row or another encoder is a different file.

export async function embedAllCached(encoder: SentenceEncoder, texts: readonly string[], cacheDir: string): Promise<Float32Array[]> {
  const key = createHash('sha256').update(encoder.id).update('\u0000').update(texts.join('\u0000')).digest('hex');
  const file = path.join(cacheDir, `${encoder.id}-${key.slice(0, 24)}.f32`);
  const expectedBytes = texts.length * encoder.dimensions * 4;
  const cached = await readFile(file).catch(() => undefined);
  if (cached?.length === expectedBytes) {
    const all = new Float32Array(cached.buffer, cached.byteOffset, cached.length / 4);
    return texts.map((_, i) => all.slice(i * encoder.dimensions, (i + 1) * encoder.dimensions));
  }
  const vectors = await encoder.embed(texts);
  const out = Buffer.alloc(expectedBytes);
  vectors.forEach((vector, i) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(out, i * encoder.dimensions * 4));
  // A cache that cannot be written (a read-only image) only costs time on the next start.
  await mkdir(cacheDir, { recursive: true })
    .then(() => writeFile(`${file}.tmp`, out))
    .then(() => rename(`${file}.tmp`, file))
    .catch(() => undefined);
  return vectors;
}
