import type { KnowledgeArticle } from '../../domain/types';
import { cosine } from './encoder';

// Hybrid knowledge retrieval: the sentence encoder's cosine (meaning: "parcel never came" finds
// "package missing") blended with BM25 (exact words: product names, "invoice"). Each article's
// title and each of its questions is its own short passage, and an article scores as its best
// passage: one long document made of a hundred questions would blur what any single question asks.

export interface RetrievalHit {
  article: KnowledgeArticle;
  /** 0..1: SEMANTIC_SHARE of the best passage's cosine plus the rest of its squashed BM25. */
  score: number;
}

export interface SearchOptions {
  /** Most articles to return; default 3. */
  limit?: number;
  /** The question's sentence embedding; without it the score is lexical only. */
  embedding?: Float32Array;
}

export interface IndexOptions {
  k1?: number;
  b?: number;
  /** Per article, the embedding of each of `passagesOf(article)`, in order; enables the semantic part. */
  passageEmbeddings?: Float32Array[][];
}

/** Weight of meaning against words in the hybrid score; tuned on the development conversations. */
const SEMANTIC_SHARE = 0.75;
/** BM25 score that counts as half a lexical match: squashes BM25's open scale into 0..1. */
const LEXICAL_HALF = 6;
/** Questions per article that are embedded: Bitext articles carry 150 near-paraphrases each. */
const EMBEDDED_QUESTIONS = 24;

/** The passages of an article that are embedded: its title and an even spread of its questions. */
export function passagesOf(article: KnowledgeArticle): string[] {
  const { questions } = article;
  const step = Math.max(1, questions.length / EMBEDDED_QUESTIONS);
  const spread: string[] = [];
  for (let i = 0; i < questions.length && spread.length < EMBEDDED_QUESTIONS; i += step) spread.push(questions[Math.floor(i)] as string);
  return [article.title, ...spread];
}

const STOPWORDS = new Set(
  `a an the i im me my mine we us our you your yours it its this that these those to of for in on at
   by with from and or is are was were be been am do does did doing have has had having can could
   would should will shall may might must please hi hello hey there just also some any`.split(/\s+/),
);

/** Lower-cased words, stopwords and numbers dropped, suffixes folded so "cancelling" meets "cancel". */
export function searchTerms(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && !STOPWORDS.has(word) && !/\d/.test(word))
    .map(stem);
}

/** A light suffix stripper: consistent across forms of a word, not linguistically exact. */
function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ations')) w = w.slice(0, -6);
  else if (w.length > 5 && w.endsWith('ation')) w = w.slice(0, -5);
  else if (w.length > 5 && w.endsWith('ings')) w = w.slice(0, -4);
  else if (w.length > 4 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && w[w.length - 1] === w[w.length - 2] && !/[aeiou]/.test(w[w.length - 1] as string)) w = w.slice(0, -1);
  return w;
}

export class KnowledgeIndex {
  private readonly postings = new Map<string, Array<{ passage: number; tf: number }>>();
  private readonly passageArticle: number[] = [];
  private readonly passageLength: number[] = [];
  private readonly averageLength: number;
  private readonly k1: number;
  private readonly b: number;
  private readonly passageEmbeddings?: Float32Array[][];

  constructor(
    private readonly articles: readonly KnowledgeArticle[],
    options: IndexOptions = {},
  ) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.passageEmbeddings = options.passageEmbeddings;
    articles.forEach((article, articleIndex) => {
      for (const text of [article.title, ...article.questions]) this.addPassage(articleIndex, text);
    });
    const total = this.passageLength.reduce((sum, length) => sum + length, 0);
    this.averageLength = total / Math.max(1, this.passageLength.length);
  }

  get size(): number {
    return this.articles.length;
  }

  /**
   * Best articles first. With an embedding every article is scored; without one, only articles
   * sharing at least one term with the query.
   */
  search(query: string, options: SearchOptions = {}): RetrievalHit[] {
    const terms = [...new Set(searchTerms(query))];
    const passageScores = new Map<number, number>();
    const passages = this.passageLength.length;
    for (const term of terms) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (passages - list.length + 0.5) / (list.length + 0.5));
      for (const { passage, tf } of list) {
        const norm = this.k1 * (1 - this.b + (this.b * (this.passageLength[passage] as number)) / this.averageLength);
        const gain = (idf * tf * (this.k1 + 1)) / (tf + norm);
        passageScores.set(passage, (passageScores.get(passage) ?? 0) + gain);
      }
    }
    const lexical = new Map<number, number>();
    for (const [passage, score] of passageScores) {
      const articleIndex = this.passageArticle[passage] as number;
      lexical.set(articleIndex, Math.max(lexical.get(articleIndex) ?? 0, score / (score + LEXICAL_HALF)));
    }
    const semantic = this.semanticScores(options.embedding);
    const scored = semantic ? this.articles.map((_, i) => i) : [...lexical.keys()];
    const hits = scored.map((articleIndex) => {
      const words = lexical.get(articleIndex) ?? 0;
      const score = semantic ? SEMANTIC_SHARE * (semantic[articleIndex] as number) + (1 - SEMANTIC_SHARE) * words : words;
      return { article: this.articles[articleIndex] as KnowledgeArticle, score };
    });
    hits.sort((x, y) => y.score - x.score || x.article.id.localeCompare(y.article.id));
    return hits.slice(0, options.limit ?? 3);
  }

  /** Per article, the best cosine between the query and one of its passages (0 when unrelated). */
  private semanticScores(embedding: Float32Array | undefined): Float64Array | undefined {
    if (!embedding || !this.passageEmbeddings) return undefined;
    return Float64Array.from(this.passageEmbeddings, (passages) =>
      passages.reduce((best, passage) => Math.max(best, cosine(embedding, passage)), 0),
    );
  }

  private addPassage(articleIndex: number, text: string): void {
    const terms = searchTerms(text);
    if (terms.length === 0) return;
    const passage = this.passageLength.length;
    this.passageArticle.push(articleIndex);
    this.passageLength.push(terms.length);
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, tf] of counts) {
      let list = this.postings.get(term);
      if (!list) {
        list = [];
        this.postings.set(term, list);
      }
      list.push({ passage, tf });
    }
  }
}
