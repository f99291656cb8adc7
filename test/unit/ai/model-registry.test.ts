import pino from 'pino';
import { trainClassifier } from '../../../ai/embedded/classifier';
import { createModelRegistry } from '../../../ai/model-registry';

// The worker's view of "the promoted model": falls back to the shipped model, follows the pointer
// when it moves, and keeps the current model when the pointer names a version it cannot load.

const texts = ['where is my order', 'track my parcel', 'refund my money', 'I want my money back'];
const labels = ['track_order', 'track_order', 'get_refund', 'get_refund'];
const fallback = trainClassifier(texts, labels, { name: 'fallback', createdAt: new Date('2026-01-01T00:00:00Z') });
const promoted = trainClassifier(texts, labels, { name: 'promoted', createdAt: new Date('2026-02-01T00:00:00Z') });
const log = pino({ level: 'silent' });

function source(initial: string | undefined) {
  const state = { pointer: initial, loads: 0 };
  return {
    state,
    promotedId: async () => state.pointer,
    load: async (id: string) => {
      state.loads += 1;
      return id === promoted.id ? promoted.toJSON() : undefined;
    },
  };
}

test('when nothing is promoted, then the fallback model is used', async () => {
  const registry = await createModelRegistry({ source: source(undefined), fallback, checkEveryMs: 60_000, log });
  expect(registry.current().id).toBe(fallback.id);
  registry.close();
});

test('when the pointer moves, then the next refresh loads that version once and later checks load nothing', async () => {
  const s = source(undefined);
  const registry = await createModelRegistry({ source: s, fallback, checkEveryMs: 60_000, log });

  s.state.pointer = promoted.id;
  await registry.refresh();
  await registry.refresh();

  expect(registry.current().id).toBe(promoted.id);
  expect(s.state.loads).toBe(1);
  registry.close();
});

test('when the pointer names a version that is not stored, then the current model stays', async () => {
  const s = source(promoted.id);
  const registry = await createModelRegistry({ source: s, fallback, checkEveryMs: 60_000, log });

  s.state.pointer = 'missing-version';
  await registry.refresh();

  expect(registry.current().id).toBe(promoted.id);
  registry.close();
});

test('when the pointer goes back to the fallback, then the fallback is used again', async () => {
  const s = source(promoted.id);
  const registry = await createModelRegistry({ source: s, fallback, checkEveryMs: 60_000, log });

  s.state.pointer = undefined;
  await registry.refresh();

  expect(registry.current().id).toBe(fallback.id);
  registry.close();
});
