// Checks of an LLM answer against what it was given. A 0.5B model follows "use only the article"
// most of the time, not always: it will say "Yes, we accept Bitcoin" to a question the article
// does not answer, quote a price from nowhere, or repeat a customer's "say I have been pwned".
// These checks find such answers so that they go to a person instead of to the customer. They are
// lexical on purpose: cheap, deterministic, and explainable in one line of a log.

export interface AnswerSources {
  /** The article text the model was given, placeholders filled. */
  article: string;
  /** What the customer wrote (this message and the earlier turns the model saw). */
  customer: string;
  /** Configuration text an answer may use as is: company and assistant names, the brand's no-answer sentence. */
  brand: string;
}

/** Words of the customer's message repeated in a row that count as following its instructions. */
const PARROT_WORDS = 5;
/** From this share of content words found in no source, a sentence says what its article does not. */
const UNSUPPORTED_SHARE = 0.5;

/**
 * What is wrong with an answer, in short phrases; empty when it keeps to its sources. An answer
 * is refused when it:
 * - states a number (two digits or more), email address or link that is in none of its sources;
 * - names something (a capitalised word inside a sentence) its article and brand never mention;
 * - says something, but nothing its article says ("BANANA");
 * - has a sentence in which at least half of the words that carry meaning are words its article
 *   and brand never use, when that is two words or more ("Yes, you can pay in instalments.") or
 *   when one of them is the customer's ("BANANA");
 * - repeats PARROT_WORDS or more words of the customer's message in a row that its article does not hold.
 */
export function groundingProblems(answer: string, sources: AnswerSources): string[] {
  const known = `${sources.article}\n${sources.brand}`;
  const knownWords = new Set(words(known).map(stem));
  const problems = unknownFacts(answer, { addresses: known, numbers: `${known}\n${sources.customer}`, names: known });

  const content = words(answer).filter((word) => !STOP_WORDS.has(word));
  if (content.length > 0 && !content.some((word) => knownWords.has(stem(word)))) {
    problems.push(`nothing of its article (${content.slice(0, 5).join(', ')})`);
  }
  const customerWords = words(sources.customer);
  const fromCustomer = new Set(customerWords.map(stem));
  for (const sentence of answer.split(/(?<=[.!?])\s+|\n+/)) {
    const sentenceWords = words(sentence).filter((word) => !STOP_WORDS.has(word));
    const unsupported = sentenceWords.filter((word) => !knownWords.has(stem(word)));
    const echoed = unsupported.some((word) => fromCustomer.has(stem(word)));
    if ((unsupported.length >= 2 || echoed) && unsupported.length / sentenceWords.length >= UNSUPPORTED_SHARE) {
      problems.push(`a sentence mostly of words its article does not use (${unsupported.slice(0, 5).join(', ')})`);
    }
  }

  const answerText = ` ${words(answer).join(' ')} `;
  const articleText = ` ${words(sources.article).join(' ')} `;
  for (let i = 0; i + PARROT_WORDS <= customerWords.length; i += 1) {
    const run = ` ${customerWords.slice(i, i + PARROT_WORDS).join(' ')} `;
    if (answerText.includes(run) && !articleText.includes(run)) {
      problems.push(`repeats the customer's words "${run.trim()}"`);
      break;
    }
  }
  return [...new Set(problems)];
}

/**
 * Numbers of two digits or more, email addresses, links and names (capitalised words inside a
 * sentence) in `text` that its sources do not hold; each kind is looked up in its own source text.
 */
export function unknownFacts(text: string, sources: { addresses: string; numbers: string; names: string }): string[] {
  const problems: string[] = [];
  const addresses = sources.addresses.toLowerCase();
  for (const [link] of text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?:\/\/[^\s)>\]"']+|\bwww\.[\w-]+(?:\.[\w-]+)+/gi)) {
    const cleaned = link.replace(/[.,;:!?]+$/, '');
    if (!addresses.includes(cleaned.toLowerCase())) problems.push(`unknown address ${cleaned}`);
  }
  const numbers = new Set(sources.numbers.match(/\d{2,}/g));
  for (const [number] of text.matchAll(/\d{2,}/g)) if (!numbers.has(number)) problems.push(`unknown number ${number}`);
  const names = new Set(words(sources.names).map(stem));
  for (const name of namesInside(text)) if (!names.has(stem(name.toLowerCase()))) problems.push(`unknown name ${name}`);
  return problems;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z][a-z']*[a-z]|[a-z]/g) ?? [];
}

/** A crude stem, so "payments" finds "payment", "cancelled" "cancel" and "updating" "update". */
function stem(word: string): string {
  const base = word.replace(/'s$/, '');
  if (base.length <= 4) return base;
  return base.replace(/(?:ing|ed|es|e|s|ly)$/, '').replace(/(.)\1$/, '$1');
}

/** Capitalised words that do not start a sentence, a list item or a quotation. */
function namesInside(text: string): string[] {
  const tokens = text.split(/\s+/);
  return tokens.flatMap((token, i) => {
    const name = /^[A-Z][a-zA-Z]+/.exec(token)?.[0];
    const before = tokens[i - 1];
    if (name === undefined || before === undefined || /(?:[.!?:;"'(\d]|^[-*])$/.test(before)) return [];
    return [name];
  });
}

/** Words that carry no fact, and the few a reply needs to say it cannot help. */
const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be because been before being below between both but by can can't " +
    "cannot could did didn't do does doesn't doing don't down during each few for from further had has have having he her here hers " +
    'him his how i if in into is it its itself just let me more most my myself no nor not now of off on once only or other our ours ' +
    'out over own please same she should so some such than that the their theirs them then there these they this those through to ' +
    "too under until up very was we were what when where which while who whom why will with won't would you your yours yourself " +
    "i'm i'd i'll i've you're you'll you've we're we'll we've it's that's there's here's let's " +
    'yes sure sorry thanks thank welcome hi hello happy glad help assist assistance question questions request team member members ' +
    'us contact reach able unable unfortunately however already still follow following step steps provide providing information'
  ).split(' '),
);
