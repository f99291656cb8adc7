import type { ErrorRequestHandler } from 'express';
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';

/** The one error type the API sends: an HTTP status, a stable machine-readable code, a message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Workflow rule codes (from Update validators) and the HTTP status each one means. */
const RULE_STATUS: Record<string, number> = {
  empty_message: 422,
  message_too_long: 413,
  invalid_message_id: 400,
  invalid_text: 400,
  conversation_closed: 409,
  invalid_rating: 422,
  already_claimed: 409,
  not_assignee: 403,
  task_resolved: 409,
  empty_text: 422,
  text_too_long: 413,
  unknown_queue: 422,
};

/** Turns whatever a use-case threw into an ApiError; unknown failures become a 500 with no detail. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) {
    // A text far over the limit gets the code the workflow gives one just over it.
    if (err.issues.some((i) => i.code === 'too_big' && i.origin === 'string' && i.path.at(-1) === 'text')) {
      return new ApiError(413, 'message_too_long', 'The text is too long.');
    }
    return new ApiError(400, 'invalid_request', 'The request does not match the schema.', err.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    })));
  }
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, 'not_found', 'There is no such conversation or task.');
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type && RULE_STATUS[cause.type]) {
      return new ApiError(RULE_STATUS[cause.type] ?? 422, cause.type, cause.message);
    }
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(503, 'temporal_busy', 'The conversation service did not answer in time; retry with the same message id.');
  }
  const grpcCode = (err as { code?: number }).code;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: Temporal is unreachable.
  if (grpcCode === 14 || grpcCode === 4) {
    return new ApiError(503, 'temporal_unavailable', 'The conversation service is unavailable; retry with the same message id.');
  }
  if ((err as { name?: string }).name === 'MongoServerSelectionError' || (err as { name?: string }).name === 'MongoNetworkError') {
    return new ApiError(503, 'database_unavailable', 'The database is unavailable; retry shortly.');
  }
  return new ApiError(500, 'internal_error', 'Something went wrong on our side.');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  // Body-parser failures arrive as HTTP errors with a type.
  const type = (err as { type?: string }).type;
  let apiError: ApiError;
  if (type === 'entity.parse.failed') apiError = new ApiError(400, 'malformed_json', 'The body is not valid JSON.');
  else if (type === 'entity.too.large') apiError = new ApiError(413, 'body_too_large', 'The body is too large.');
  else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    apiError = new ApiError(415, 'unsupported_encoding', 'Send UTF-8 JSON.');
  } else apiError = toApiError(err);
  if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
  res.status(apiError.status).json({ error: { code: apiError.code, message: apiError.message, details: apiError.details } });
};
