import path from 'node:path';
import { embedAllCached } from './embedded/embedding-cache';
import type { SentenceEncoder } from './embedded/encoder';
import { KnowledgeIndex, passagesOf, type RetrievalHit } from './embedded/retrieval';
import type { KnowledgeArticle } from '../domain/types';

const REVISION_CHECK_MS = 2000;

/** Finds the knowledge articles that may answer a question, best first. */
export interface KnowledgeSearch {
  search(question: string, options: { embedding?: Float32Array; limit: number }): Promise<RetrievalHit[]>;
  /** A published article by id, from the same snapshot the search used. */
  article(id: string): Promise<KnowledgeArticle | undefined>;
}

/** Where the published articles come from: the database in the worker, a file in evaluations. */
export interface KnowledgeSource {
  /** Changes whenever a published article does. */
  revision(): Promise<string>;
  published(): Promise<KnowledgeArticle[]>;
}

/**
 * Retrieval over the published knowledge base, kept in memory and rebuilt when an article
 * changes, so answering a message costs no database round trip most of the time. Passage
 * embeddings are cached on disk per article, so a restart or an edit re-embeds only what changed.
 */
export function createKnowledgeSearch(source: KnowledgeSource, encoder: SentenceEncoder, embeddingCacheDir: string): KnowledgeSearch {
  let index: KnowledgeIndex | undefined;
  let byId = new Map<string, KnowledgeArticle>();
  let revision = '';
  let checkedAt = 0;
  let refreshing: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    const current = await source.revision();
    checkedAt = Date.now();
    if (index && current === revision) return;
    const articles = await source.published();
    const passageEmbeddings: Float32Array[][] = [];
    for (const article of articles) {
      passageEmbeddings.push(await embedAllCached(encoder, passagesOf(article), path.join(embeddingCacheDir, 'knowledge')));
    }
    index = new KnowledgeIndex(articles, { passageEmbeddings });
    byId = new Map(articles.map((article) => [article.id, article]));
    revision = current;
  };

  const fresh = async (): Promise<void> => {
    if (index && Date.now() - checkedAt <= REVISION_CHECK_MS) return;
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    await refreshing;
  };

  return {
    async search(question, options) {
      await fresh();
      return index?.search(question, options) ?? [];
    },
    async article(id) {
      await fresh();
      return byId.get(id);
    },
  };
}
