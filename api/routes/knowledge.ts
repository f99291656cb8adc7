import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { addArticle, listArticles, readArticle, setArticleStatus, updateArticle, type StoredArticle } from '../../db/knowledge';
import type { KnowledgeArticle } from '../../domain/types';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { addArticleBody, articleIdParam, listArticlesQuery, updateArticleBody } from '../schemas';

// The knowledge base the AI answers from. Every change bumps the article's updatedAt, which is what
// the workers' retrieval caches watch: an edit is answered from within seconds.

export function knowledgeRoutes(deps: ApiDeps): Router {
  const { auth, models, supportConfig } = deps;
  const router = Router();
  const categories = new Set(supportConfig.categories.map((c) => c.id));

  const checkCategory = (category: string): void => {
    if (!categories.has(category)) {
      throw new ApiError(422, 'unknown_category', `Unknown category; use one of: ${[...categories].join(', ')}.`);
    }
  };
  const found = (article: StoredArticle | undefined): StoredArticle => {
    if (!article) throw new ApiError(404, 'not_found', 'There is no such article.');
    return article;
  };

  router.get('/v1/knowledge', auth.operator, async (req, res) => {
    const query = listArticlesQuery.parse(req.query);
    res.json({ articles: await listArticles(models, query) });
  });

  router.get('/v1/knowledge/:articleId', auth.operator, async (req, res) => {
    const { articleId } = articleIdParam.parse(req.params);
    res.json(found(await readArticle(models, articleId)));
  });

  router.post('/v1/knowledge', auth.operator, async (req, res) => {
    const { id, status, ...content } = addArticleBody.parse(req.body);
    checkCategory(content.category);
    const article: KnowledgeArticle = { id: id ?? `kb-${randomUUID()}`, ...content };
    if (!(await addArticle(models, article, status, new Date()))) {
      throw new ApiError(409, 'article_exists', 'An article with this id exists; edit it with PUT instead.');
    }
    res.status(201).json(found(await readArticle(models, article.id)));
  });

  router.put('/v1/knowledge/:articleId', auth.operator, async (req, res) => {
    const { articleId } = articleIdParam.parse(req.params);
    const content = updateArticleBody.parse(req.body);
    checkCategory(content.category);
    res.json(found(await updateArticle(models, { id: articleId, ...content }, new Date())));
  });

  router.post('/v1/knowledge/:articleId/retire', auth.operator, async (req, res) => {
    const { articleId } = articleIdParam.parse(req.params);
    res.json(found(await setArticleStatus(models, articleId, 'retired', new Date())));
  });

  router.post('/v1/knowledge/:articleId/publish', auth.operator, async (req, res) => {
    const { articleId } = articleIdParam.parse(req.params);
    res.json(found(await setArticleStatus(models, articleId, 'published', new Date())));
  });

  return router;
}
