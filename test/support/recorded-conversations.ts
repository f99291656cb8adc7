import { mulberry32 } from '../../ai/embedded/classifier';
import type { ConversationProjection } from '../../db/conversations';
import type { RecordedConversation } from '../../domain/what-if';
import type { TranscriptMessage } from '../../domain/types';

// Recorded conversations as the default configuration ran them, made from a seeded random stream,
// together with the facts they were made from (each message's confidence and whether it holds a
// keyword), so a test can work out independently what a changed configuration must report.

/** Each message is its own topic in words of its own: no two ask "the same thing" (the repeat rule stays quiet). */
const QUESTIONS: Array<{ intent: string; text: string }> = [
  { intent: 'track_order', text: 'where has my parcel got to' },
  { intent: 'check_invoice', text: 'please send yesterdays invoice copy' },
  { intent: 'create_account', text: 'signing up fails at registration' },
  { intent: 'recover_password', text: 'forgot login credentials completely' },
  { intent: 'pricing', text: 'how expensive are premium plans' },
  { intent: 'product_info', text: 'which materials make these shoes' },
  { intent: 'delivery_options', text: 'could couriers bring things overnight' },
  { intent: 'check_payment_methods', text: 'do you accept paypal or klarna' },
];

/** A keyword of the default configuration: its messages were handed over as recorded. */
export const DEFAULT_KEYWORD = 'lawyer';
/** A word no rule of the default configuration looks at: a candidate may add it as a keyword. */
export const CANDIDATE_KEYWORD = 'refund';
export const DEFAULT_LOW_CONFIDENCE = 0.35;

export interface MessageFacts {
  confidence: number;
  keyword?: typeof DEFAULT_KEYWORD | typeof CANDIDATE_KEYWORD;
}

export interface GeneratedConversation {
  recorded: RecordedConversation;
  /** The facts of every customer message the AI handled, in order (the ones after a handoff were never classified). */
  facts: MessageFacts[];
}

/**
 * `count` conversations of one to four customer messages each, recorded as the default
 * configuration ran them: a message below the default low-confidence threshold or holding the
 * default keyword was handed over (an agent answered 10 to 300 minutes later), and the messages
 * after it were the agent's and never classified.
 */
export function generateRecordedConversations(count: number, seed = 18): GeneratedConversation[] {
  const random = mulberry32(seed);
  const start = Date.parse('2026-11-23T09:00:00.000Z');
  return Array.from({ length: count }, (_, n) => {
    const conversationId = `whatif-${seed}-${n}`;
    const createdAt = new Date(start + n * 60_000);
    const transcript: TranscriptMessage[] = [];
    const facts: MessageFacts[] = [];
    const topics = [...QUESTIONS].sort(() => random() - 0.5);
    const messages = 1 + Math.floor(random() * 4);
    let handedOver = false;
    for (let i = 0; i < messages; i += 1) {
      const at = (minutes: number) => new Date(createdAt.getTime() + (i * 20 + minutes) * 60_000).toISOString();
      const topic = topics[i]!;
      const id = `${conversationId}-m${i + 1}`;
      if (handedOver) {
        transcript.push({ id, role: 'customer', text: topic.text, at: at(0) });
        continue;
      }
      const draw = random();
      const keyword = draw < 0.05 ? DEFAULT_KEYWORD : draw < 0.2 ? CANDIDATE_KEYWORD : undefined;
      const confidence = Math.round((0.1 + random() * 0.9) * 1000) / 1000;
      facts.push({ confidence, keyword });
      const text = keyword ? `${topic.text} ${keyword}` : topic.text;
      transcript.push({
        id,
        role: 'customer',
        text,
        at: at(0),
        classification: {
          intent: topic.intent,
          category: topic.intent === 'check_invoice' || topic.intent === 'check_payment_methods' ? 'billing' : 'how_to',
          confidence,
          sentiment: 0,
          modelVersion: 'recorded-model',
          language: 'en',
          grounding: { articleId: `kb-${topic.intent}`, score: 0.8, candidates: [{ articleId: `kb-${topic.intent}`, score: 0.8 }] },
        },
      });
      if (confidence < DEFAULT_LOW_CONFIDENCE || keyword === DEFAULT_KEYWORD) {
        handedOver = true;
        transcript.push({ id: `handoff-notice-${id}`, role: 'system', text: 'A person will take over.', at: at(0) });
        transcript.push({ id: `agent-${id}`, role: 'agent', text: 'Hello, I can help.', at: at(10 + Math.floor(random() * 290)), authorId: 'dana' });
      } else {
        transcript.push({ id: `ai-${id}`, role: 'ai', text: 'Here is how.', at: at(0), citations: [`kb-${topic.intent}`] });
      }
    }
    return {
      recorded: { conversationId, customer: { id: `cust-${n}`, name: 'Recorded Customer' }, createdAt: createdAt.toISOString(), transcript },
      facts,
    };
  });
}

/** 1-based position of the first message that escalates by the given test, or undefined. */
export function firstEscalation(facts: readonly MessageFacts[], escalates: (message: MessageFacts) => boolean): number | undefined {
  const index = facts.findIndex(escalates);
  return index < 0 ? undefined : index + 1;
}

/** A recorded conversation as the workflow would have projected it, closed, for the read model. */
export function recordedProjection(recorded: RecordedConversation): ConversationProjection {
  return {
    conversationId: recorded.conversationId,
    version: 1,
    customer: recorded.customer,
    status: 'closed',
    escalationReasons: [],
    handoffTaskIds: [],
    createdAt: recorded.createdAt,
    updatedAt: recorded.createdAt,
    messageCount: recorded.transcript.length,
    messages: recorded.transcript.map((message, seq) => ({ seq, message })),
  };
}
