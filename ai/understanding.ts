import { detectAll } from 'tinyld/light';
import type { SupportConfig } from '../config/schema';
import { OUT_OF_SCOPE_INTENT } from '../domain/escalation';
import type { Classification, Grounding } from '../domain/types';
import type { KnowledgeSearch } from './knowledge-search';
import type { LoadedModel } from './embedded/classifier';
import type { SentenceEncoder } from './embedded/encoder';
import { scoreSentiment } from './embedded/sentiment';

// What the AI understood of one customer message, in one in-process step: the sentence encoder
// embeds it once; the classifier reads the embedding with the message's n-grams; retrieval scores
// the knowledge base with the same embedding and picks the article written for the understood
// intent. Both providers use it: with Ollama the LLM only writes the answer.

export interface UnderstandRequest {
  text: string;
  /** The customer's previous message, when the AI answered it: a follow-up may need it. */
  previous?: string;
  config: SupportConfig;
}

export interface Understanding {
  understand(request: UnderstandRequest): Promise<Classification>;
}

export interface UnderstandingDeps {
  encoder: SentenceEncoder;
  /** The promoted classifier right now: a newly promoted model applies to the next message. */
  model: () => LoadedModel;
  knowledge: KnowledgeSearch;
}

/**
 * A message out of scope or below this confidence is read again together with the previous one
 * ("and to canada?" after "do you ship to australia"); the joint reading wins when it is at least
 * this confident about something in scope.
 */
const FOLLOW_UP_BELOW = 0.6;
const CANDIDATES = 3;
/** Language detection on fewer words, or with less agreement, guesses more than it knows. */
const LANGUAGE_MIN_WORDS = 4;
const LANGUAGE_MIN_SHARE = 0.5;

export function createUnderstanding(deps: UnderstandingDeps): Understanding {
  return {
    async understand({ text, previous, config }) {
      const model = deps.model();
      const [embedding] = (await deps.encoder.embed([text])) as [Float32Array];
      let read = { text, embedding, prediction: model.predict(text, embedding), withPrevious: false };
      const unclear = read.prediction.label === OUT_OF_SCOPE_INTENT || read.prediction.confidence < FOLLOW_UP_BELOW;
      // Only an unclear message is embedded again with the previous one: most need one encoder pass.
      if (previous !== undefined && unclear) {
        const combined = `${previous}\n${text}`;
        const [combinedEmbedding] = (await deps.encoder.embed([combined])) as [Float32Array];
        const prediction = model.predict(combined, combinedEmbedding);
        const clearer = prediction.label !== OUT_OF_SCOPE_INTENT && prediction.confidence >= FOLLOW_UP_BELOW;
        if (clearer && (prediction.confidence > read.prediction.confidence || read.prediction.label === OUT_OF_SCOPE_INTENT)) {
          read = { text: combined, embedding: combinedEmbedding, prediction, withPrevious: true };
        }
      }
      const intent = read.prediction.label;
      const grounding = await ground(deps.knowledge, read.text, read.embedding, intent);
      const language = detectLanguage(text);
      return {
        intent,
        category: categoryForLabel(intent, config),
        confidence: read.prediction.confidence,
        sentiment: scoreSentiment(text),
        modelVersion: model.id,
        ...(language ? { language } : {}),
        grounding,
        ...(read.withPrevious ? { readWithPrevious: true } : {}),
      };
    },
  };
}

/**
 * The answer may only come from an article that matches what was understood: the best-scoring
 * article written for this intent, or one written for no particular intent (an operator's own).
 * An article about something else is never chosen, however many words it shares.
 */
async function ground(knowledge: KnowledgeSearch, text: string, embedding: Float32Array, intent: string): Promise<Grounding> {
  const hits = await knowledge.search(text, { embedding, limit: Number.MAX_SAFE_INTEGER });
  const chosen = hits.find((hit) => hit.article.intent === intent || hit.article.intent === undefined);
  return {
    ...(chosen ? { articleId: chosen.article.id } : {}),
    score: round(chosen?.score ?? 0),
    candidates: hits.slice(0, CANDIDATES).map((hit) => ({ articleId: hit.article.id, score: round(hit.score) })),
  };
}

/** The category a model label belongs to; a label that is itself a category id maps to itself. */
export function categoryForLabel(label: string, config: SupportConfig): string {
  const mapped = config.intentCategories[label];
  if (mapped !== undefined) return mapped;
  return config.categories.some((category) => category.id === label) ? label : 'other';
}

/**
 * Everyday English function words: chat English ("whats the delivery timeframe on tents") fools
 * n-gram language detectors, and two of these words settle it.
 */
const ENGLISH_FUNCTION_WORDS = new Set(
  'i me my you your we our it its the a an to of in on at for and or but is are was be do does did can could would will how what where when why which who this that there here with from not no yes pls please thanks'.split(' '),
);

/** ISO 639-1 code when the text is long enough and one language clearly leads; else undefined. */
export function detectLanguage(text: string): string | undefined {
  const words = text.toLowerCase().split(/[^\p{L}']+/u).filter((word) => word !== '');
  if (words.length < LANGUAGE_MIN_WORDS) return undefined;
  if (words.filter((word) => ENGLISH_FUNCTION_WORDS.has(word)).length >= 2) return 'en';
  const [best] = detectAll(text);
  return best && best.accuracy >= LANGUAGE_MIN_SHARE ? best.lang : undefined;
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
