// Text helpers for the rules. Plain string work only: this module runs inside Temporal workflow
// code, so no Node built-ins and nothing that depends on the machine (locale, time, randomness).

// Built once per module: the workflow bundler lowers these Unicode property escapes into character
// classes thousands of characters long, which a literal inside the function compiled on every call
// (0.7 s of the workflow thread's 13 s in a 20 s round-trip benchmark).
const COMBINING_MARKS = /\p{M}/gu;
const RUNS_OF_NEITHER_LETTER_NOR_DIGIT = /[^\p{L}\p{N}]+/gu;

/** Lowercase, accents stripped, punctuation turned into single spaces. "Don't" becomes "dont". */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(RUNS_OF_NEITHER_LETTER_NOR_DIGIT, ' ')
    .trim();
}

/** Normalized words, each reduced to a rough stem so "orders", "ordered" and "ordering" agree. */
export function tokenize(text: string): string[] {
  const normalized = normalize(text);
  return normalized === '' ? [] : normalized.split(' ').map(stem);
}

// Suffixes are tried longest first; one is removed at most. A stem keeps at least three letters
// so short words ("need", "thing") survive.
const SUFFIXES = ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'edly', 'ed', 'ly'];

function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let result = word;
  if (result.endsWith('ies') && result.length > 4) result = `${result.slice(0, -3)}y`;
  else if (result.endsWith('s') && !/(ss|us|is)$/.test(result)) result = result.slice(0, -1);
  for (const suffix of SUFFIXES) {
    if (result.endsWith(suffix) && result.length - suffix.length >= 3) {
      result = result.slice(0, -suffix.length);
      break;
    }
  }
  // "arrive"/"arrived" and "ship"/"shipped"/"shipping" meet on the same stem.
  if (result.length > 4 && result.endsWith('e')) result = result.slice(0, -1);
  if (/([b-df-hj-np-rtv-z])\1$/.test(result) && !result.endsWith('ss')) result = result.slice(0, -1);
  return result;
}

// Words that say nothing about what is being asked; without them "where is my order" and
// "where is my refund" are told apart by the words that matter.
const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from into about as is are was were be been ' +
    'being am do does did done have has had having i im ive me my mine we us our you your youre ' +
    'it its this that these those there here what which who whom whose when where why how can ' +
    'could would should will shall may might must not no yes so than too very just also please ' +
    'hi hello hey thank thanks thx ok okay wanna gonna want need help assist assistance some any ' +
    'get got know tell like let'
  )
    .split(' ')
    .map(stem),
);

/** The stems that carry meaning: stop words (and greetings, "please", "help") removed. */
export function contentWords(text: string): string[] {
  return tokenize(text).filter((word) => !STOP_WORDS.has(word));
}

/**
 * How alike two messages are, 0..1: the mean of two cosines, one over content-word stems
 * (paraphrases sharing stems score) and one over character trigrams of those words (typos and
 * inflections the stemmer misses still share most trigrams).
 */
export function similarity(a: string, b: string): number {
  const wordsA = contentWords(a);
  const wordsB = contentWords(b);
  if (wordsA.length === 0 || wordsB.length === 0) {
    return normalize(a) !== '' && normalize(a) === normalize(b) ? 1 : 0;
  }
  const words = cosine(bag(wordsA), bag(wordsB));
  const trigrams = cosine(bag(wordsA.flatMap(trigramsOf)), bag(wordsB.flatMap(trigramsOf)));
  return (words + trigrams) / 2;
}

function trigramsOf(word: string): string[] {
  const padded = ` ${word} `;
  const grams: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i += 1) grams.push(padded.slice(i, i + 3));
  return grams;
}

function bag(items: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  for (const [key, count] of a) dot += count * (b.get(key) ?? 0);
  if (dot === 0) return 0;
  return dot / (norm(a) * norm(b));
}

function norm(counts: Map<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count * count;
  return Math.sqrt(sum);
}

/**
 * Whether `keyword` (a word or a phrase) occurs in `text` as whole words, ignoring case and
 * punctuation: "cancel" matches "Cancel!" but not "cancellation".
 */
export function wordMatch(text: string, keyword: string): boolean {
  const needle = normalize(keyword);
  if (needle === '') return false;
  return ` ${normalize(text)} `.includes(` ${needle} `);
}

const AFFIRMATIVE_OPENINGS = ['yes', 'yeah', 'yep', 'yup', 'ya', 'y', 'sure', 'ok', 'okay', 'please', 'go ahead', 'please do', 'that would be great', 'absolutely', 'definitely'];
const NEGATIONS = ['no', 'nope', 'not', 'dont', 'never'];

/** "yes please", "sure, go ahead", "ok": the customer accepts what was just offered. */
export function isAffirmative(text: string): boolean {
  const words = normalize(text).split(' ').filter((word) => word !== '');
  if (words.length === 0 || words.length > 8 || words.some((word) => NEGATIONS.includes(word))) return false;
  const opening = words.join(' ');
  return AFFIRMATIVE_OPENINGS.some((phrase) => opening === phrase || opening.startsWith(`${phrase} `));
}
