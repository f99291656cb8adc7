// A lexicon sentiment scorer tuned to support messages: word valences, negation, intensifiers,
// "but" clauses, exclamation marks and shouting, and the phrases of a customer losing patience
// ("still waiting", "third time"). The lexicon is our own, written for this project.

/** Valence -4 (worst) .. 4 (best) by word; groups keep the table readable. */
const WORD_GROUPS: Record<string, string> = {
  '-3.5': `abysmal appalling atrocious disgraceful disgusting horrendous horrible outrageous pathetic
    scam scammed scammer scammers scams fraud fraudulent worst furious livid enraged unacceptable
    incompetent incompetence thieves thief stealing stole robbed criminal lawsuit`,
  '-3': `awful terrible useless ridiculous ludicrous absurd hate hated hating despise dreadful ruin ruined ruining
    nightmare disaster disastrous infuriating infuriated outraged shameful shocking lousy garbage
    trash rubbish joke sucks sucked unbelievable lied liar liars lying cheated cheat cheating`,
  '-2.5': `angry anger annoyed annoying annoyance frustrated frustrating frustration disappointed
    disappointing disappointment upset mad irritated irritating fed sick horrid poor worthless
    pointless hopeless helpless broken ripoff stupid idiot idiots idiotic dishonest misleading
    unprofessional rude neglected ignored ignoring ignore insulting`,
  // Swearing shows annoyance but, alone in an ordinary request, not despair.
  '-2.2': `fuck fucking fucked fuckin wtf shit shitty crap crappy bullshit`,
  '-1.8': `damn damned bloody hell`,
  '-2': `bad worse fail failed failing fails failure faulty defective damaged unhappy dissatisfied unsatisfied complaint complaints complain complaining complained
    slow delay delayed delays overcharged overcharge sad worried worry worrying
    concerned unfair unreliable mess messed nonsense waste wasted wasting inconvenient
    inconvenience scared afraid threaten threatened refuse
    refused refusing denied hassle painful pain unresolved unanswered lawyer lawyers sue
    suing`,
  '-1.5': `problem problems trouble difficult difficulty annoy bother bothered unclear
    late glitch bug confusing confused stuck nobody
    bugs crash crashes crashed crashing downtime outage unavailable expensive overpriced
    complicated strange weird odd unfortunately unfortunate sorry regret doubt doubtful nervous
    impatient urgent urgently`,
  // Words that describe what happened rather than how the customer feels about it; "hates" is
  // mostly someone else's taste ("he hates black"), not the customer's anger.
  '-1': `hates wrong mistake mistakes error errors issue issues declined lost missing wait waiting waited cancel cancelled canceled cancelling canceling unsure
    disagree hard tired`,
  '1': `ok okay fine fair decent clear interested easier works working solved fast quick quickly
    smooth`,
  '1.5': `good nice glad thank thanks thx ty pleased polite helpful useful easy simple reliable
    fixed resolved recommend appreciated`,
  '2': `great happy satisfied appreciate appreciates love loved lovely friendly efficient
    impressive impressed enjoy enjoyed grateful thankful pleasure cool`,
  '2.5': `excellent awesome amazing fantastic wonderful brilliant superb perfect perfectly
    delighted outstanding best`,
  '3': `exceptional incredible phenomenal marvelous marvellous loving lifesaver`,
};

/** Phrases matched before single words; the longest match wins. Apostrophes are dropped. */
const PHRASES: Record<string, number> = {
  'still waiting': -2.5,
  'still not': -1.5,
  'still havent': -2,
  'still hasnt': -2,
  'still no': -2,
  'third time': -2.5,
  'fourth time': -3,
  'second time': -1.5,
  'again and again': -2.5,
  'over and over': -2.5,
  'for weeks': -1.5,
  'for ages': -1.5,
  'waste of time': -3,
  'waste of money': -3,
  'fed up': -3,
  'sick of': -3,
  'sick and tired': -3.5,
  'had enough': -3,
  'not working': -2,
  'doesnt work': -2,
  'dont work': -2,
  'didnt work': -2,
  'isnt working': -2,
  'stopped working': -2,
  'never arrived': -2.5,
  'never received': -2.5,
  'never got': -2,
  'no one': -1.5,
  'no response': -2.5,
  'no reply': -2.5,
  'no answer': -2,
  'no help': -2.5,
  'not acceptable': -3.5,
  'rip off': -3,
  'ripped off': -3,
  'piece of junk': -3,
  'give up': -2,
  'last chance': -2,
  'last time': -1.5,
  'talk to a manager': -1.5,
  'what the hell': -3,
  'thank you': 2,
  'thanks a lot': 2,
  'works great': 2.5,
  'well done': 2,
  'no problem': 1,
  'no worries': 1,
  'not bad': 1,
};

const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nothing', 'neither', 'nor', 'without', 'hardly', 'barely',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'cant', 'cannot', 'couldnt',
  'wont', 'wouldnt', 'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint',
]);

const INTENSIFIERS: Record<string, number> = {
  very: 1.3, really: 1.3, so: 1.25, too: 1.2, extremely: 1.5, totally: 1.4, absolutely: 1.5,
  completely: 1.4, utterly: 1.5, incredibly: 1.5, super: 1.3, seriously: 1.3, truly: 1.3,
  beyond: 1.4, such: 1.2, most: 1.2, highly: 1.3, insanely: 1.5, ridiculously: 1.5, fucking: 1.5,
  slightly: 0.6, somewhat: 0.7, bit: 0.7, little: 0.7, kinda: 0.7, fairly: 0.8, quite: 0.9,
};

const NEGATION_SCOPE = 3;
const NEGATED = -0.5;
/** Makes the raw sum saturate smoothly into -1..1. */
const NORMALISATION = 15;

const LEXICON: Map<string, number> = new Map(
  Object.entries(WORD_GROUPS).flatMap(([valence, words]) =>
    words
      .split(/\s+/)
      .filter((word) => word !== '')
      .map((word): [string, number] => [word, Number(valence)]),
  ),
);
const PHRASE_TABLE = new Map(Object.entries(PHRASES));
const LONGEST_PHRASE = Math.max(...Object.keys(PHRASES).map((phrase) => phrase.split(' ').length));

interface Token {
  word: string;
  shouted: boolean;
  /** Which clause the word is in: a negation reaches no further than its clause's punctuation. */
  clause: number;
}

function tokens(text: string): Token[] {
  let clause = 0;
  const words: Token[] = [];
  // A run of clause punctuation matches without a word: it ends the clause.
  for (const [, raw] of text.normalize('NFKD').matchAll(/([A-Za-z\u00C0-\u024F'’]+)|[.!?;,]+/g)) {
    if (raw === undefined) {
      clause += 1;
      continue;
    }
    const letters = raw.replace(/['’]/g, '');
    words.push({ word: letters.toLowerCase(), shouted: letters.length >= 2 && letters === letters.toUpperCase(), clause });
  }
  return words;
}

function valenceOf(word: string): number | undefined {
  return LEXICON.get(word) ?? (word.endsWith('s') ? LEXICON.get(word.slice(0, -1)) : undefined);
}

/** -1 (very negative) .. 1 (very positive); 0 for neutral text. */
export function scoreSentiment(text: string): number {
  const words = tokens(text);
  if (words.length === 0) return 0;
  const shoutingAll = words.filter((t) => t.word.length >= 2).every((t) => t.shouted) && words.length >= 3;
  const butAt = words.findIndex((t) => t.word === 'but');
  let sum = 0;

  for (let i = 0; i < words.length; ) {
    const phrase = phraseAt(words, i);
    const length = phrase?.length ?? 1;
    const valence = phrase?.valence ?? (actsAsIntensifier(words, i) ? undefined : valenceOf((words[i] as Token).word));
    if (valence !== undefined) sum += weigh(words, i, length, valence, butAt, shoutingAll);
    i += length;
  }

  const exclamations = Math.min(4, (text.match(/!/g) ?? []).length);
  const questions = Math.min(3, (text.match(/\?/g) ?? []).length);
  if (sum !== 0) {
    sum += Math.sign(sum) * exclamations * 0.3;
    if (questions > 1 && sum < 0) sum -= questions * 0.2;
  }
  if (shoutingAll) sum *= 1.2;
  return sum / Math.sqrt(sum * sum + NORMALISATION);
}

function phraseAt(words: Token[], at: number): { length: number; valence: number } | undefined {
  for (let length = Math.min(LONGEST_PHRASE, words.length - at); length >= 2; length--) {
    const phrase = words
      .slice(at, at + length)
      .map((t) => t.word)
      .join(' ');
    const valence = PHRASE_TABLE.get(phrase);
    if (valence !== undefined) return { length, valence };
  }
  return undefined;
}

/** "fucking" in "fucking useless" strengthens the next word instead of counting on its own. */
function actsAsIntensifier(words: Token[], at: number): boolean {
  const next = words[at + 1];
  return INTENSIFIERS[(words[at] as Token).word] !== undefined && next !== undefined && valenceOf(next.word) !== undefined;
}

function weigh(words: Token[], at: number, length: number, valence: number, butAt: number, shoutingAll: boolean): number {
  let weight = valence;
  if ((words[at] as Token).shouted && !shoutingAll) weight *= 1.5;
  const intensity = INTENSIFIERS[words[at - 1]?.word ?? ''];
  if (intensity !== undefined) weight *= intensity;
  // A phrase carries its own negation ("not working"); only single words are flipped.
  const { clause } = words[at] as Token;
  const negated = length === 1 && words.slice(Math.max(0, at - NEGATION_SCOPE), at).some((t) => t.clause === clause && NEGATORS.has(t.word));
  if (negated) weight *= NEGATED;
  if (butAt >= 0 && at !== butAt) weight *= at < butAt ? 0.5 : 1.5;
  return weight;
}
