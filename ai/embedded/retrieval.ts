import type { KnowledgeArticle } from '../../domain/types';

// Knowledge retrieval by BM25. Each article's title and each of its questions is indexed as its
// own short passage, and an article scores as its best passage: one long document made of a
// hundred questions would blur what any single question asks.

export interface RetrievalHit {
  article: KnowledgeArticle;
  score: number;
}

export interface SearchOptions {
  /** Most articles to return; default 3. */
  limit?: number;
  /** The classified intent: articles written for it are boosted. */
  intent?: string;
}

export interface IndexOptions {
  k1?: number;
  b?: number;
  /** Multiplier added to the score of an article whose `intent` equals the searched intent. */
  intentBoost?: number;
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
  private readonly intentBoost: number;

  constructor(
    private readonly articles: readonly KnowledgeArticle[],
    options: IndexOptions = {},
  ) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.intentBoost = options.intentBoost ?? 0.5;
    articles.forEach((article, articleIndex) => {
      for (const text of [article.title, ...article.questions]) this.addPassage(articleIndex, text);
    });
    const total = this.passageLength.reduce((sum, length) => sum + length, 0);
    this.averageLength = total / Math.max(1, this.passageLength.length);
  }

  get size(): number {
    return this.articles.length;
  }

  /** Best articles first; only articles sharing at least one term with the query. */
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
    const articleScores = new Map<number, number>();
    for (const [passage, score] of passageScores) {
      const articleIndex = this.passageArticle[passage] as number;
      articleScores.set(articleIndex, Math.max(articleScores.get(articleIndex) ?? 0, score));
    }
    const hits = [...articleScores].map(([articleIndex, score]) => {
      const article = this.articles[articleIndex] as KnowledgeArticle;
      const boosted = options.intent !== undefined && article.intent === options.intent ? score * (1 + this.intentBoost) : score;
      return { article, score: boosted };
    });
    hits.sort((x, y) => y.score - x.score || x.article.id.localeCompare(y.article.id));
    return hits.slice(0, options.limit ?? 3);
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

// ---- placeholders -------------------------------------------------------------------------------

const WORD_SYNONYMS: Record<string, string> = {
  purchase: 'order',
  id: 'number',
  service: 'support',
  assistance: 'support',
  availability: 'hours',
};
/** A placeholder made of one of these words alone still names a contact detail. */
const CONTACT_KINDS = new Set(['phone', 'email', 'website', 'chat', 'url']);

/** "Purchase ID Anonymized" and "Order Number" both become "order number". */
function canonical(name: string): string {
  const words = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && word !== 'anonymized' && word !== 'anonymised')
    .map((word) => WORD_SYNONYMS[word] ?? word);
  return words.filter((word, i) => !(word === 'address' && words[i - 1] === 'email')).join(' ');
}

function isIdentifier(name: string): boolean {
  return /anonymi[sz]ed/i.test(name) || /\b(number|id)$/i.test(name.trim());
}

/**
 * Replaces every `{{Name}}` in `text`: from `extras` (values taken from this conversation, e.g.
 * {"Order Number": "12345"}), then from the brand's `placeholders`, matching names loosely
 * ("Support Email" finds "Customer Support Email"). A name nobody knows is written out in neutral
 * words ("your order number", "Order History"), so no `{{` ever reaches a customer.
 */
export function fillPlaceholders(
  text: string,
  placeholders: Record<string, string>,
  extras: Record<string, string> = {},
): string {
  const known = new Map<string, string>();
  for (const source of [placeholders, extras]) {
    for (const [name, value] of Object.entries(source)) known.set(canonical(name), value);
  }
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, name: string) => {
    const key = canonical(name);
    const exact = known.get(key);
    if (exact !== undefined) return exact;
    const loose = looseMatch(key, known);
    if (loose !== undefined) return loose;
    if (isIdentifier(name) && key !== '') return `your ${key}`;
    return name.trim();
  }).replace(/[{}]{2,}/g, '');
}

/** The value of the shortest known name containing every word of `key`, for contact details. */
function looseMatch(key: string, known: Map<string, string>): string | undefined {
  const words = key.split(' ').filter((word) => word !== '');
  const specific = words.length >= 2 || (words.length === 1 && CONTACT_KINDS.has(words[0] as string));
  if (!specific) return undefined;
  const candidates = [...known.keys()]
    .filter((name) => {
      const nameWords = new Set(name.split(' '));
      return words.every((word) => nameWords.has(word));
    })
    .sort((x, y) => x.split(' ').length - y.split(' ').length || x.localeCompare(y));
  return candidates[0] === undefined ? undefined : known.get(candidates[0]);
}
