import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { ActionConfig } from '../config/schema';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signRequest } from '../domain/action-signature';
import { requestPath, type ActionFacts, type ActionResult } from '../domain/actions';

/** Where the business's API is and the secret its requests are signed with (from the environment only). */
export interface BusinessApi {
  url: string;
  secret: string;
}

/** What one action run needs: the action's request and limits, not the whole configuration. */
export interface RunActionInput {
  action: Pick<ActionConfig, 'name' | 'request' | 'responseFields' | 'timeoutMs'>;
  facts: ActionFacts;
  idempotencyKey: string;
}

/** Longest value of a response field kept: an answer needs a status or a date, not a document. */
const MAX_FIELD_LENGTH = 200;

/**
 * One request to the business's API, signed, with the run's idempotency key. Temporal owns the
 * retries: a timeout, a refused connection, 429 or 5xx is thrown for the next attempt; 404 is
 * "not on this customer's account"; any other 4xx will not get better and fails the run at once.
 */
export function createActionActivities(deps: { businessApi?: BusinessApi; log: Logger }) {
  const { businessApi, log } = deps;
  return {
    async runAction(input: RunActionInput): Promise<ActionResult> {
      const { action, idempotencyKey } = input;
      if (!businessApi) {
        throw ApplicationFailure.nonRetryable('no business API is configured (TANDEM_ACTIONS_URL, TANDEM_ACTIONS_SECRET)', 'ActionsNotConfigured');
      }
      const url = new URL(`${businessApi.url.replace(/\/$/, '')}${requestPath(action.request.path, input.facts)}`);
      const method = action.request.method;
      const body = method === 'GET' ? '' : '{}';
      const timestampMs = Date.now();
      const signature = signRequest(businessApi.secret, { method, path: url.pathname + url.search, body, timestampMs });
      const started = Date.now();
      const response = await fetch(url, {
        method,
        headers: {
          [TIMESTAMP_HEADER]: String(timestampMs),
          [SIGNATURE_HEADER]: signature,
          [IDEMPOTENCY_HEADER]: idempotencyKey,
          ...(body === '' ? {} : { 'content-type': 'application/json' }),
        },
        body: body === '' ? undefined : body,
        signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(action.timeoutMs)]),
      });
      const text = await response.text();
      log.info({ action: action.name, status: response.status, ms: Date.now() - started }, 'business API answered');
      if (response.status === 404) return { ok: true, found: false };
      if (response.status === 429 || response.status >= 500) throw new Error(`the business API answered ${response.status}`);
      if (!response.ok) {
        throw ApplicationFailure.nonRetryable(`the business API answered ${response.status} ${errorCode(text)}`.trim(), 'ActionRefused');
      }
      return { ok: true, found: true, fields: allowedFields(text, action.responseFields) };
    },
  };
}

export type ActionActivities = ReturnType<typeof createActionActivities>;

/** The configured response fields that hold a plain value; the rest of the response never travels on. */
function allowedFields(text: string, names: readonly string[]): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw ApplicationFailure.nonRetryable('the business API answered with something other than JSON', 'ActionRefused');
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields[name] = String(value).slice(0, MAX_FIELD_LENGTH);
    }
  }
  return fields;
}

function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 60) : '';
  } catch {
    return '';
  }
}
