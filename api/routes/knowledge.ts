import { Router } from 'express';
import * as knowledge from '../../app/knowledge';
import type { ApiDeps } from '../deps';
import { addArticleBody, articleIdParam, listArticlesQuery, updateArticleBody } from '../schemas';

export function knowledgeRoutes(deps: ApiDeps): Router {
  const { operator } = deps.auth;
  const router = Router();
  const articleId = (params: unknown) => articleIdParam.parse(params).articleId;

  router.get('/v1/knowledge', operator, async (req, res) => {
    res.json({ articles: await knowledge.listArticles(deps, listArticlesQuery.parse(req.query)) });
  });

  router.get('/v1/knowledge/:articleId', operator, async (req, res) => {
    res.json(await knowledge.readArticle(deps, articleId(req.params)));
  });

  router.post('/v1/knowledge', operator, async (req, res) => {
    res.status(201).json(await knowledge.addArticle(deps, addArticleBody.parse(req.body)));
  });

  router.put('/v1/knowledge/:articleId', operator, async (req, res) => {
    res.json(await knowledge.updateArticle(deps, articleId(req.params), updateArticleBody.parse(req.body)));
  });

  router.post('/v1/knowledge/:articleId/retire', operator, async (req, res) => {
    res.json(await knowledge.setStatus(deps, articleId(req.params), 'retired'));
  });

  router.post('/v1/knowledge/:articleId/publish', operator, async (req, res) => {
    res.json(await knowledge.setStatus(deps, articleId(req.params), 'published'));
  });

  return router;
}
