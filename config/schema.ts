import { z } from 'zod';
import { DEFAULT_CSAT_RULES } from './defaults';

// The business's support configuration: one validated document, loaded at start and passed into
// workflows as input so a replay sees exactly what the original run saw.

const category = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  label: z.string().min(1),
  /**
   * informational: the AI answers from the knowledge base; human: always goes to a person;
   * chat: small talk the AI answers from `brand.smallTalk`, with no article.
   */
  handling: z.enum(['informational', 'human', 'chat']),
  queue: z.string().min(1),
  priority: z.enum(['low', 'normal', 'high', 'urgent']),
});

const weeklyPeriod = z.object({
  /** 0 = Sunday .. 6 = Saturday */
  day: z.number().int().min(0).max(6),
  start: z.string().regex(/^\d{2}:\d{2}$/),
  end: z.string().regex(/^\d{2}:\d{2}$/),
});

const durationMs = z.number().int().positive();

/** When the customer is asked to rate the conversation; a conversation is rated once, however often asked. */
const csatRules = z.object({
  /** After a person resolved it, after the AI resolved it (the customer said goodbye), or both. */
  askAfter: z.enum(['human', 'ai', 'both']),
  /** How long a conversation the AI resolved stays open for the rating before it ends. */
  ratingWindowMs: durationMs,
});
export type CsatRules = z.infer<typeof csatRules>;
/** What a signal of a struggling customer turns into: a task for a person, a message from the AI, or nothing. */
const signalResponse = z.object({
  then: z.enum(['outreach_task', 'ai_message', 'none']),
  /**
   * The first message: suggested to the agent of an outreach task, or sent by the AI. The brand's
   * placeholders, {{Customer First Name}} and {{Order Number}} are filled in.
   */
  message: z.string().min(1),
});
export type SignalResponse = z.infer<typeof signalResponse>;
const eventKind = z.string().regex(/^[a-z][a-z0-9_]*$/);

/**
 * Proactive engagement: the signals that a customer may be struggling, each a durable timer or event
 * in the customer's engagement workflow, and what each turns into. Absent: Tandem only reacts.
 */
const engagementRules = z.object({
  /** The queue of outreach tasks (one of `queues`). */
  outreachQueue: z.string().min(1),
  /** Outreach tasks and AI messages together, per customer, in any 7 days. */
  maxPerCustomerPerWeek: z.number().int().min(0),
  /** The customer went quiet after a doubtful AI answer: no message and no rating for `afterMs`. */
  quietAfterDoubtfulAnswer: signalResponse.extend({
    afterMs: durationMs,
    /** An answer to a message understood with less confidence than this is doubtful. */
    confidenceBelow: z.number().min(0).max(1),
    /** What a customer writes when an answer did not help ("that didn't work"): the AI's next answer is doubtful too. */
    didNotWorkPhrases: z.array(z.string().min(1)).min(1),
  }),
  /** The same customer is back about the same order or category within `withinMs`. */
  repeatContact: signalResponse.extend({ withinMs: durationMs }),
  /** A rating at or below `atMost`. */
  lowCsat: signalResponse.extend({ atMost: z.number().int().min(1).max(5) }),
  /** Business events posted to `POST /v1/events`, by kind (order_late, payment_failed, ...); other kinds are refused. */
  businessEvents: z.record(eventKind, signalResponse.extend({ label: z.string().min(1) })),
  /** A resolved conversation followed by another about the same category within this counts as reopened. */
  reopenWithinMs: durationMs,
});
export type EngagementRules = z.infer<typeof engagementRules>;

/**
 * Facts of the conversation an action's request may use. `customerId` is the profile the business's
 * API key started the conversation with, never anything the customer typed; `orderNumber` is read
 * from the customer's message.
 */
export const ACTION_FACTS = ['customerId', 'orderNumber'] as const;
export type ActionFact = (typeof ACTION_FACTS)[number];
const TEMPLATE_NAME = /\{\{\s*([^{}]*?)\s*\}\}/g;
const namesIn = (template: string): string[] => [...template.matchAll(TEMPLATE_NAME)].map((m) => m[1] as string);

/**
 * A request to the business's own API (`TANDEM_ACTIONS_URL` + `request.path`) that the AI may run
 * for a customer, or must leave to a person.
 */
const action = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    /** Model labels (see `intentCategories`) whose messages this action answers. */
    intents: z.array(z.string().min(1)).min(1),
    /** read: runs at once; write: changes something, and runs only after the customer's explicit yes. */
    effect: z.enum(['read', 'write']),
    /** ai: the AI runs it; person: the request goes to a person with reason `action_by_person`. */
    runBy: z.enum(['ai', 'person']),
    /** The step's name in the Temporal UI, e.g. "Look up order {{orderNumber}}". */
    summary: z.string().min(1),
    request: z.object({
      method: z.enum(['GET', 'POST']),
      /** Path under TANDEM_ACTIONS_URL with `{{fact}}` placeholders, e.g. /customers/{{customerId}}/orders/{{orderNumber}}. */
      path: z.string().startsWith('/'),
    }),
    /** The only fields of the response an answer may use; anything else the API returns is dropped. */
    responseFields: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/)).min(1),
    /** Limit of one attempt; a failed or timed-out attempt is retried up to `attempts` times in all. */
    timeoutMs: z.number().int().min(100).max(60_000),
    attempts: z.number().int().min(1).max(10).default(3),
    replies: z.object({
      /**
       * Lines of the answer, each with `{{field}}`s of the response and the facts; a line whose
       * field the response lacks is left out, so nothing is ever guessed.
       */
      done: z.array(z.string().min(1)).min(1),
      /** The business's API does not know this for this customer (404). */
      notFound: z.string().min(1),
      /** What a write will do, asked before it runs; required for writes. */
      confirm: z.string().min(1).optional(),
    }),
  });

export const supportConfigSchema = z.object({
  brand: z.object({
    company: z.string().min(1),
    assistantName: z.string().min(1),
    tone: z.string().min(1),
    signOff: z.string(),
    /** Values for placeholders in knowledge articles, e.g. {"Website Name": "shop.example"}. */
    placeholders: z.record(z.string(), z.string()),
    /**
     * The AI's reply to each small-talk intent ({{Customer First Name}} and the brand's
     * placeholders are filled in); `closes` ends the conversation as resolved by the AI.
     */
    smallTalk: z.record(z.string(), z.object({ reply: z.string().min(1), closes: z.boolean().default(false) })),
    /** Said when no article answers the question (before handing over, or offering to). */
    noAnswer: z.string().min(1),
    /** Said when the AI offers a person and the customer may accept. */
    offerPerson: z.string().min(1),
    /** Said before handing over when an action against the business's systems failed. */
    actionFailed: z.string().min(1),
  }),
  /** ISO 639-1 codes the AI answers in; a message confidently in another language goes to a person. */
  languages: z.array(z.string().regex(/^[a-z]{2}$/)).min(1),
  knowledge: z.object({
    /**
     * Hybrid retrieval score (0..1) the article written for the understood intent must reach to
     * be used as the answer; below it the question counts as not covered by the knowledge base.
     */
    minAnswerScore: z.number().min(0).max(1),
    /** When nothing answers: hand over at once, or say so and offer a person. */
    whenMissing: z.enum(['handoff', 'offer']),
  }),
  categories: z.array(category).min(1),
  /** Model label -> category id. A label equal to a category id maps to itself. */
  intentCategories: z.record(z.string(), z.string()),
  escalation: z.object({
    keywords: z.array(z.string().min(1)),
    /** One message at or below this sentiment escalates. */
    veryNegativeSentiment: z.number().min(-1).max(1),
    /** Escalate when sentiment falls by at least `drop` across the last `window` messages and ends negative. */
    negativeTrend: z.object({ window: z.number().int().min(2), drop: z.number().positive() }),
    /** Escalate when the customer asks the same thing this many times. */
    repeat: z.object({ count: z.number().int().min(2), similarity: z.number().min(0).max(1) }),
    /** Escalate when the classifier's confidence is below this. */
    lowConfidence: z.number().min(0).max(1),
    highValue: z.object({
      lifetimeValueAtLeast: z.number().nonnegative(),
      tiers: z.array(z.string()),
      /** Categories in which a high-value customer goes straight to a person. */
      categories: z.array(z.string()),
    }),
  }),
  queues: z.array(z.object({ id: z.string().min(1), label: z.string().min(1) })).min(1),
  sla: z.object({
    timeZone: z.string().min(1),
    businessHours: z.array(weeklyPeriod),
    /** ISO dates (YYYY-MM-DD) in `timeZone` with no business hours. */
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
    policies: z.record(
      z.enum(['low', 'normal', 'high', 'urgent']),
      z.object({
        firstResponseMs: durationMs,
        resolutionMs: durationMs,
        nextResponseMs: durationMs.optional(),
        calendar: z.enum(['calendar', 'business']),
      }),
    ),
    /** Fraction of a target after which a warning is raised. */
    warnAt: z.number().min(0).max(1),
    breachActions: z.array(z.enum(['raise_priority', 'move_to_overflow', 'notify', 'record'])),
    overflowQueue: z.string().min(1),
    /** A claimed task with no agent reply for this long goes back to its queue. */
    returnAfterMs: durationMs,
  }),
  csat: csatRules.default(DEFAULT_CSAT_RULES),
  /** Requests to the business's own systems the AI answers with (order status, cancelling an order). */
  actions: z.array(action).default([]),
  /** Reaching out to customers who may be struggling; absent, nothing proactive happens. */
  engagement: engagementRules.optional(),
  /** A conversation the AI is handling closes after this long without a message. */
  idleCloseMs: durationMs,
  /** Customer messages per conversation run before continue-as-new. */
  messagesPerRun: z.number().int().min(10).max(1000),
});

export type SupportConfig = z.infer<typeof supportConfigSchema>;
export type CategoryConfig = SupportConfig['categories'][number];
export type ActionConfig = SupportConfig['actions'][number];

/**
 * What the schema cannot say: every name a part of the configuration uses must be defined in
 * another part. Empty when the configuration holds together.
 */
export function supportConfigProblems(config: SupportConfig): string[] {
  const problems: string[] = [];
  const categoryIds = new Set(config.categories.map((c) => c.id));
  const queueIds = new Set(config.queues.map((q) => q.id));
  for (const [label, category] of Object.entries(config.intentCategories)) {
    if (!categoryIds.has(category)) problems.push(`intentCategories.${label}: unknown category ${category}`);
  }
  for (const c of config.categories) {
    if (!queueIds.has(c.queue)) problems.push(`categories.${c.id}.queue: unknown queue ${c.queue}`);
  }
  const names = new Set<string>();
  for (const action of config.actions) {
    if (names.has(action.name)) problems.push(`actions.${action.name}: the name is used twice`);
    names.add(action.name);
    problems.push(...actionProblems(action));
    for (const intent of action.intents) {
      if (!(intent in config.intentCategories)) problems.push(`actions.${action.name}.intents: unknown intent ${intent}`);
    }
  }
  if (!queueIds.has(config.sla.overflowQueue)) problems.push(`sla.overflowQueue: unknown queue`);
  const outreachQueue = config.engagement?.outreachQueue;
  if (outreachQueue !== undefined && !queueIds.has(outreachQueue)) problems.push(`engagement.outreachQueue: unknown queue ${outreachQueue}`);
  // A time zone or calendar the SLA clock cannot use would fail every handoff inside its workflow.
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.sla.timeZone });
  } catch {
    problems.push(`sla.timeZone: unknown time zone ${config.sla.timeZone}`);
  }
  const businessTime = Object.values(config.sla.policies).some((policy) => policy.calendar === 'business');
  if (businessTime && !config.sla.businessHours.some((period) => period.start < period.end)) {
    problems.push('sla.businessHours: a business-time policy needs opening hours');
  }
  return problems;
}

/** Names an action's request and replies use that it will not have, and a write without its question. */
function actionProblems(action: ActionConfig): string[] {
  const problems: string[] = [];
  for (const name of namesIn(action.request.path)) {
    if (!(ACTION_FACTS as readonly string[]).includes(name)) {
      problems.push(`actions.${action.name}.request.path: {{${name}}} is not a fact (${ACTION_FACTS.join(', ')})`);
    }
  }
  const known = new Set<string>([...ACTION_FACTS, ...action.responseFields]);
  for (const line of [...action.replies.done, action.replies.notFound, action.replies.confirm ?? '', action.summary]) {
    for (const name of namesIn(line)) {
      if (!known.has(name)) problems.push(`actions.${action.name}.replies: {{${name}}} is neither a fact nor a response field`);
    }
  }
  if (action.effect === 'write' && !action.replies.confirm) {
    problems.push(`actions.${action.name}.replies.confirm: a write needs the question that confirms it`);
  }
  return problems;
}
