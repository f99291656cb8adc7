import { ApplicationFailure } from '@temporalio/common';
import { RuleViolation } from '../domain/rules';

/**
 * Runs an Update validator's check: a broken domain rule rejects the Update before anything is
 * written to history, with the rule's stable code as the failure type (the API's status table
 * reads it back).
 */
export function rejectIfRuleBroken(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof RuleViolation) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  }
}
