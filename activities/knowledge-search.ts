import { KnowledgeIndex } from '../ai/embedded/retrieval';
import type { KnowledgeArticle } from '../domain/types';
import { knowledgeRevision, publishedArticles } from '../db/knowledge';
import type { Models } from '../db/models';
import type { KnowledgeSearch } from './index';

const REVISION_CHECK_MS = 2000;

/**
 * Retrieval over the published knowledge base, kept in memory and rebuilt when an article
 * changes, so answering a message costs no database round trip most of the time.
 */
export function createKnowledgeSearch(models: Models): KnowledgeSearch {
  let index: KnowledgeIndex | undefined;
  let revision = '';
  let checkedAt = 0;
  let refreshing: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    const current = await knowledgeRevision(models);
    checkedAt = Date.now();
    if (index && current === revision) return;
    index = new KnowledgeIndex(await publishedArticles(models));
    revision = current;
  };

  return {
    async search(question: string, options: { intent?: string; limit: number }): Promise<KnowledgeArticle[]> {
      if (!index || Date.now() - checkedAt > REVISION_CHECK_MS) {
        refreshing ??= refresh().finally(() => {
          refreshing = undefined;
        });
        await refreshing;
      }
      return (index?.search(question, options) ?? []).map((hit) => hit.article);
    },
  };
}
