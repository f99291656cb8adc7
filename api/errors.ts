import type { ErrorRequestHandler } from 'express';
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import { AppError, type AppErrorCode } from '../app/errors';
import { RuleViolation, isRuleCode } from '../domain/rules';

/** Refusals that only HTTP knows: the request's form, credentials, limits, and the services behind. */
type TransportErrorCode =
  | 'invalid_request'
  | 'malformed_json'
  | 'invalid_utf8'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'forbidden'
  | 'token_expired'
  | 'origin_not_allowed'
  | 'rate_limited'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'temporal_busy'
  | 'temporal_unavailable'
  | 'database_unavailable'
  | 'internal_error';

export type ApiErrorCode = AppErrorCode | TransportErrorCode;

/** Every code the API can send, with its HTTP status: a code missing here does not compile. */
export type HttpStatusTable = { readonly [code in ApiErrorCode]: number };

export const HTTP_STATUS: HttpStatusTable = {
  invalid_request: 400,
  malformed_json: 400,
  invalid_utf8: 400,
  invalid_message_id: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  not_assignee: 403,
  not_a_team_lead: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conversation_closed: 409,
  message_id_reused: 409,
  already_claimed: 409,
  task_resolved: 409,
  at_capacity: 409,
  already_rated: 409,
  article_exists: 409,
  audit_running: 409,
  body_too_large: 413,
  message_too_long: 413,
  text_too_long: 413,
  unsupported_media_type: 415,
  unsupported_encoding: 415,
  empty_message: 422,
  control_characters: 422,
  invalid_rating: 422,
  empty_text: 422,
  unknown_queue: 422,
  unknown_category: 422,
  intent_not_in_category: 422,
  invalid_policy: 422,
  malformed_upload: 422,
  missing_column: 422,
  duplicate_ticket_id: 422,
  no_tickets: 422,
  too_many_tickets: 422,
  invalid_csv: 422,
  too_few_labels: 422,
  engagement_off: 409,
  unknown_event_kind: 422,
  rate_limited: 429,
  internal_error: 500,
  temporal_busy: 503,
  temporal_unavailable: 503,
  database_unavailable: 503,
};

/** The one error the API sends: a stable machine-readable code (its status from the table), a message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = HTTP_STATUS[code];
  }
}

/**
 * The database is unreachable, or held by other writers past the wait SQLite gives a writer
 * (FerretDB's `busy_timeout`, services/ferretdb/main.go): it answers InternalError "database is
 * locked (5) (SQLITE_BUSY)". Either way the request did not happen and a retry shortly can succeed.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  const { name, message } = err as { name?: string; message?: string };
  if (name === 'MongoServerSelectionError' || name === 'MongoNetworkError') return true;
  return name === 'MongoServerError' && typeof message === 'string' && message.includes('(SQLITE_BUSY)');
}

/** Turns whatever a use case threw into an ApiError; unknown failures become a 500 with no detail. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AppError || err instanceof RuleViolation) return new ApiError(err.code, err.message);
  if (err instanceof z.ZodError) {
    // A check that enforces a domain rule names its code (api/schemas.ts): the same answer the rule gives.
    const broken = err.issues.find((i) => isRuleCode(i.message));
    if (broken && isRuleCode(broken.message)) {
      const limit = broken.code === 'too_big' ? ` (at most ${broken.maximum})` : '';
      return new ApiError(broken.message, `${broken.path.join('.')} breaks the rule ${broken.message}${limit}.`);
    }
    const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return new ApiError('invalid_request', 'The request does not match the schema.', details);
  }
  if (err instanceof WorkflowNotFoundError) return new ApiError('not_found', 'There is no such conversation or task.');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && isRuleCode(err.cause.type)) {
    return new ApiError(err.cause.type, err.cause.message);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError('temporal_busy', 'The conversation service did not answer in time; retry with the same message id.');
  }
  const grpcCode = (err as { code?: number }).code;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: Temporal is unreachable.
  if (grpcCode === 14 || grpcCode === 4) {
    return new ApiError('temporal_unavailable', 'The conversation service is unavailable; retry with the same message id.');
  }
  if (isDatabaseUnavailable(err)) return new ApiError('database_unavailable', 'The database is unavailable; retry shortly.');
  return new ApiError('internal_error', 'Something went wrong on our side.');
}

/** Body-parser failures arrive as HTTP errors with a type. */
const BODY_PARSER_ERRORS: Record<string, [ApiErrorCode, string]> = {
  'entity.parse.failed': ['malformed_json', 'The body is not valid JSON.'],
  'entity.too.large': ['body_too_large', 'The body is too large.'],
  'encoding.unsupported': ['unsupported_encoding', 'Send UTF-8 JSON.'],
  'charset.unsupported': ['unsupported_encoding', 'Send UTF-8 JSON.'],
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const parserError = BODY_PARSER_ERRORS[(err as { type?: string }).type ?? ''];
  const apiError = parserError ? new ApiError(...parserError) : toApiError(err);
  if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
  res.status(apiError.status).json({ error: { code: apiError.code, message: apiError.message, details: apiError.details } });
};
