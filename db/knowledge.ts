import type { KnowledgeArticle } from '../domain/types';
import type { Models } from './models';

export type ArticleStatus = 'published' | 'draft' | 'retired';

function toArticle(doc: { _id: string; title: string; questions: string[]; body: string; category: string; intent?: string | null }): KnowledgeArticle {
  return { id: doc._id, title: doc.title, questions: doc.questions, body: doc.body, category: doc.category, intent: doc.intent ?? undefined };
}

export async function publishedArticles(models: Models): Promise<KnowledgeArticle[]> {
  const docs = await models.KnowledgeArticle.find({ status: 'published' }).lean();
  return docs.map(toArticle);
}

/** Changes whenever an article is added, edited or retired: tells caches to rebuild. */
export async function knowledgeRevision(models: Models): Promise<string> {
  const [count, latest] = await Promise.all([
    models.KnowledgeArticle.countDocuments({}),
    models.KnowledgeArticle.findOne({}, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean(),
  ]);
  return `${count}:${latest?.updatedAt?.getTime() ?? 0}`;
}

/** Idempotent: seeding twice leaves one copy of each article, and never revives a retired one. */
export async function seedArticles(models: Models, articles: KnowledgeArticle[], at: Date): Promise<number> {
  if (articles.length === 0) return 0;
  const result = await models.KnowledgeArticle.bulkWrite(
    articles.map((a) => ({
      updateOne: {
        filter: { _id: a.id },
        update: {
          $setOnInsert: {
            title: a.title,
            questions: a.questions,
            body: a.body,
            category: a.category,
            intent: a.intent,
            status: 'published',
            updatedAt: at,
          },
        },
        upsert: true,
      },
    })),
    { ordered: false },
  );
  return result.upsertedCount;
}

export interface StoredArticle extends KnowledgeArticle {
  status: ArticleStatus;
  updatedAt: Date;
}

type ArticleDoc = Parameters<typeof toArticle>[0] & { status: string; updatedAt: Date };

function toStoredArticle(doc: ArticleDoc): StoredArticle {
  return { ...toArticle(doc), status: doc.status as ArticleStatus, updatedAt: doc.updatedAt };
}

/** Articles by status and category, most recently changed first. */
export async function listArticles(
  models: Models,
  filter: { status?: ArticleStatus; category?: string; limit: number },
): Promise<StoredArticle[]> {
  const query: Record<string, string> = {};
  if (filter.status) query.status = filter.status;
  if (filter.category) query.category = filter.category;
  const docs = await models.KnowledgeArticle.find(query).sort({ updatedAt: -1, _id: 1 }).limit(filter.limit).lean();
  return docs.map(toStoredArticle);
}

export async function readArticle(models: Models, id: string): Promise<StoredArticle | undefined> {
  const doc = await models.KnowledgeArticle.findById(id).lean();
  return doc ? toStoredArticle(doc) : undefined;
}

/** Adds an article; false when the id is taken. */
export async function addArticle(models: Models, article: KnowledgeArticle, status: ArticleStatus, at: Date): Promise<boolean> {
  const { id, ...fields } = article;
  const result = await models.KnowledgeArticle.updateOne(
    { _id: id },
    { $setOnInsert: { ...fields, status, updatedAt: at } },
    { upsert: true },
  );
  return result.upsertedCount === 1;
}

/** Replaces an article's content; its status stays. Bumps updatedAt so retrieval caches rebuild. */
export async function updateArticle(models: Models, article: KnowledgeArticle, at: Date): Promise<StoredArticle | undefined> {
  const { id, intent, ...fields } = article;
  const update = intent === undefined ? { $set: { ...fields, updatedAt: at }, $unset: { intent: 1 } } : { $set: { ...fields, intent, updatedAt: at } };
  const doc = await models.KnowledgeArticle.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean();
  return doc ? toStoredArticle(doc) : undefined;
}

/** Publishes or retires an article. Bumps updatedAt so retrieval caches rebuild. */
export async function setArticleStatus(models: Models, id: string, status: ArticleStatus, at: Date): Promise<StoredArticle | undefined> {
  const doc = await models.KnowledgeArticle.findOneAndUpdate({ _id: id }, { $set: { status, updatedAt: at } }, { returnDocument: 'after' }).lean();
  return doc ? toStoredArticle(doc) : undefined;
}

/** Idempotent: a draft proposed twice is written once, and a reviewed one is never overwritten. */
export async function proposeDrafts(models: Models, drafts: KnowledgeArticle[], at: Date): Promise<number> {
  if (drafts.length === 0) return 0;
  const result = await models.KnowledgeArticle.bulkWrite(
    drafts.map(({ id, ...fields }) => ({
      updateOne: { filter: { _id: id }, update: { $setOnInsert: { ...fields, status: 'draft', updatedAt: at } }, upsert: true },
    })),
    { ordered: false },
  );
  return result.upsertedCount;
}
