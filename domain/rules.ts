// Every rule a request can break, by a stable code that reaches API clients unchanged. The API maps
// each code to an HTTP status in one table that must name them all (api/errors.ts).

export const RULE_CODES = [
  // a customer message
  'invalid_message_id',
  'message_id_reused',
  'empty_message',
  'message_too_long',
  'control_characters',
  'conversation_closed',
  'invalid_rating',
  'already_rated',
  // an agent's action on a human task
  'already_claimed',
  'not_assignee',
  'task_resolved',
  'empty_text',
  'text_too_long',
  'unknown_queue',
  // the support configuration
  'unknown_category',
  'intent_not_in_category',
  // a business event posted for proactive engagement
  'engagement_off',
  'unknown_event_kind',
  /** A policy version whose parts name categories, queues or intents it does not define. */
  'invalid_policy',
  // a ticket export uploaded for an audit
  'malformed_upload',
  'missing_column',
  'duplicate_ticket_id',
  'no_tickets',
  'too_many_tickets',
  // a labelled CSV uploaded for training
  'invalid_csv',
  'too_few_labels',
] as const;

export type RuleCode = (typeof RULE_CODES)[number];

export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  constructor(
    readonly code: RuleCode,
    message: string,
  ) {
    super(message);
  }
}

export function isRuleCode(value: unknown): value is RuleCode {
  return typeof value === 'string' && (RULE_CODES as readonly string[]).includes(value);
}

/** Longest id a client may give a message or an action (it becomes the Update id). */
export const MAX_CLIENT_ID_LENGTH = 100;
