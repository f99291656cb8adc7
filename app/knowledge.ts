import {
  addArticle as storeArticle,
  listArticles as listStoredArticles,
  readArticle as readStoredArticle,
  setArticleStatus,
  updateArticle as storeArticleUpdate,
  type StoredArticle,
} from '../db/knowledge';
import { newArticleId } from '../domain/ids';
import type { KnowledgeArticle } from '../domain/types';
import { assertKnownCategory } from './categories';
import type { AppContext } from './context';
import { AppError, found } from './errors';

// The knowledge base the AI answers from. Every change bumps the article's updatedAt, which is what
// the workers' retrieval caches watch: an edit is answered from within seconds.

type ArticleContent = Omit<KnowledgeArticle, 'id'>;
type ArticleStatus = Parameters<typeof setArticleStatus>[2];

export function listArticles(ctx: AppContext, filter: Parameters<typeof listStoredArticles>[1]): Promise<StoredArticle[]> {
  return listStoredArticles(ctx.models, filter);
}

export async function readArticle(ctx: AppContext, articleId: string): Promise<StoredArticle> {
  return found(await readStoredArticle(ctx.models, articleId), 'article');
}

export async function addArticle(ctx: AppContext, request: ArticleContent & { id?: string; status: ArticleStatus }): Promise<StoredArticle> {
  const { id, status, ...content } = request;
  assertKnownCategory(ctx.supportConfig, content.category);
  const article: KnowledgeArticle = { id: id ?? newArticleId(), ...content };
  if (!(await storeArticle(ctx.models, article, status, new Date()))) {
    throw new AppError('article_exists', 'An article with this id exists; edit it with PUT instead.');
  }
  return readArticle(ctx, article.id);
}

export async function updateArticle(ctx: AppContext, articleId: string, content: ArticleContent): Promise<StoredArticle> {
  assertKnownCategory(ctx.supportConfig, content.category);
  return found(await storeArticleUpdate(ctx.models, { id: articleId, ...content }, new Date()), 'article');
}

/** Published articles are answered from; retired ones are kept but never cited. */
export async function setStatus(ctx: AppContext, articleId: string, status: ArticleStatus): Promise<StoredArticle> {
  return found(await setArticleStatus(ctx.models, articleId, status, new Date()), 'article');
}
