import type { ActionConfig, ActionFact } from '../config/schema';
import { findOrderNumber } from './handoff';
import type { CustomerProfile } from './types';

// Actions against the business's own systems, as rules: which action a message asks for, which
// facts of the conversation fill its request, and how its result is told to the customer. No I/O:
// the workflow runs the request as an activity (activities/actions.ts) and hands the result back.

export type ActionFacts = Partial<Record<ActionFact, string>>;

/** One run of an action: decided by the domain, executed by the workflow as its own activity. */
export interface ActionCall {
  name: string;
  /** What operators read in the Temporal UI: "Look up order 1001". */
  summary: string;
  facts: ActionFacts;
  /** Derived from the conversation, the message that asked for (or confirmed) it, and the action: a retry sends the same. */
  idempotencyKey: string;
}

/** What the business's API answered, reduced to the response fields the configuration allows. */
export type ActionResult =
  | { ok: true; found: true; fields: Record<string, string> }
  /** The API does not know this for this customer (another customer's order, a wrong number). */
  | { ok: true; found: false }
  /** Unreachable, timed out, refused or broken: the customer gets an apology and a person. */
  | { ok: false; reason: string };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Fills every `{{name}}` from `values`; undefined when one has no value, so a line never guesses. */
export function fillTemplate(template: string, values: Record<string, string>): string | undefined {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : filled;
}

/** The facts a template names. */
export function factsNamedIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** The configured action for what the message asks, if any. */
export function actionForIntent(actions: readonly ActionConfig[], intent: string): ActionConfig | undefined {
  return actions.find((action) => action.intents.includes(intent));
}

/**
 * The facts an action's request needs, taken from the conversation: the customer id from the
 * profile the business's API key started it with (whatever the message says), the order number
 * from the message. Undefined when the message lacks one: the AI then answers as without actions.
 */
export function actionFacts(action: ActionConfig, customer: CustomerProfile, text: string): ActionFacts | undefined {
  const orderNumber = findOrderNumber(text);
  const facts: ActionFacts = orderNumber === undefined ? { customerId: customer.id } : { customerId: customer.id, orderNumber };
  const needed = factsNamedIn(action.request.path) as ActionFact[];
  return needed.every((name) => facts[name] !== undefined) ? facts : undefined;
}

/** The request path with each fact URL-encoded: "../admin" in a message stays inside its segment. */
export function requestPath(pathTemplate: string, facts: ActionFacts): string {
  const encoded = Object.fromEntries(Object.entries(facts).map(([name, value]) => [name, encodeURIComponent(value)]));
  const filled = fillTemplate(pathTemplate, encoded);
  if (filled === undefined) throw new Error(`a fact of ${pathTemplate} is missing`);
  return filled;
}

/** The operator-readable name of this run, e.g. "Look up order 1001". */
export function actionSummary(action: ActionConfig, facts: ActionFacts): string {
  return fillTemplate(action.summary, facts as Record<string, string>) ?? action.summary.replace(PLACEHOLDER, '').trim();
}

/** What a write will do, asked before it runs. */
export function confirmationQuestion(action: ActionConfig, facts: ActionFacts): string {
  const question = action.replies.confirm ?? `Shall I go ahead with ${action.name}?`;
  return fillTemplate(question, facts as Record<string, string>) ?? question.replace(PLACEHOLDER, '');
}

/**
 * The answer, from the configured lines and the result's fields only: a line naming a field the
 * response lacks is left out. The result is data filled into the business's own sentences, never
 * text a model reads as instructions.
 */
export function actionAnswer(action: ActionConfig, facts: ActionFacts, result: Extract<ActionResult, { ok: true }>): string {
  const values: Record<string, string> = { ...(facts as Record<string, string>), ...(result.found ? result.fields : {}) };
  if (!result.found) return fillTemplate(action.replies.notFound, values) ?? action.replies.notFound.replace(PLACEHOLDER, '');
  return action.replies.done.flatMap((line) => fillTemplate(line, values) ?? []).join(' ');
}

/** A line for the agent's transcript: what ran and what came back. */
export function describeActionResult(call: ActionCall, result: ActionResult): string {
  if (!result.ok) return `${call.summary}: failed (${result.reason})`;
  if (!result.found) return `${call.summary}: not found on this customer's account`;
  const fields = Object.entries(result.fields).map(([name, value]) => `${name} ${value}`);
  return `${call.summary}: ${fields.join(', ') || 'done'}`;
}
