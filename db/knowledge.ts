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
