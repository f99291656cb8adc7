import type { Logger } from 'pino';
import type { LoadedModel } from './embedded/classifier';
import { modelFromDocument } from './model-store';

// The model a worker classifies with: the promoted version, wherever it was trained. Every few
// seconds one cheap read of the promoted pointer; the weights are fetched only when it moves.

export interface ModelRegistrySource {
  /** The promoted model's id, or undefined when none is promoted. */
  promotedId(): Promise<string | undefined>;
  /** A stored model version's document, or undefined when there is no such version. */
  load(id: string): Promise<unknown>;
}

export interface ModelRegistry {
  /** The model to classify with right now. */
  current(): LoadedModel;
  /** Checks the promoted pointer now and loads the new version if it moved. */
  refresh(): Promise<void>;
  /** Stops the periodic check. */
  close(): void;
}

export interface ModelRegistryOptions {
  source: ModelRegistrySource;
  /** Used while nothing is promoted (the shipped default model). */
  fallback: LoadedModel;
  checkEveryMs: number;
  log: Logger;
}

export async function createModelRegistry(options: ModelRegistryOptions): Promise<ModelRegistry> {
  const { source, fallback, log } = options;
  let model = fallback;
  let refreshing: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    const id = (await source.promotedId()) ?? fallback.id;
    if (id === model.id) return;
    if (id === fallback.id) {
      model = fallback;
    } else {
      const document = await source.load(id);
      if (document === undefined) {
        log.warn({ modelId: id }, 'the promoted model version is not stored; keeping the current one');
        return;
      }
      model = modelFromDocument(document);
    }
    log.info({ modelId: model.id }, 'now classifying with a newly promoted model');
  };

  const refresh = (): Promise<void> => {
    refreshing ??= check().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  await refresh();
  const timer = setInterval(() => {
    // A failed check (database briefly away) keeps the current model; the next one tries again.
    refresh().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not check the promoted model'));
  }, options.checkEveryMs);
  timer.unref();

  return { current: () => model, refresh, close: () => clearInterval(timer) };
}
