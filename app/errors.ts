import type { RuleCode } from '../domain/rules';

/** What a use case can refuse a request with: a broken domain rule, or one of these. */
export type AppErrorCode = RuleCode | 'not_found' | 'at_capacity' | 'article_exists' | 'audit_running' | 'not_a_team_lead';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The value, or a not_found refusal naming what is missing. */
export function found<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new AppError('not_found', `There is no such ${what}.`);
  return value;
}
