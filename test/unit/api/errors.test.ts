import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../../../app/errors';
import { RULE_CODES } from '../../../domain/rules';
import { HTTP_STATUS, toApiError, type HttpStatusTable } from '../../../api/errors';

describe('API error codes', () => {
  test('when a code has no HTTP status, then the API does not compile', () => {
    const { not_found: _dropped, ...withoutNotFound } = HTTP_STATUS;
    // @ts-expect-error a status table missing a code is a type error (tsc runs in ./tandem test)
    const incomplete: HttpStatusTable = withoutNotFound;

    expect(Object.keys(incomplete)).not.toContain('not_found');
  });

  test('when a workflow refuses an Update for any domain rule, then the client gets that code with a 4xx status', () => {
    const responses = RULE_CODES.map((code) => {
      const failure = ApplicationFailure.nonRetryable('refused', code);
      return toApiError(new WorkflowUpdateFailedError('update failed', failure));
    });

    expect(responses.map((r) => r.code)).toEqual([...RULE_CODES]);
    expect(responses.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
  });

  test('when a use case refuses a request, then its code and message reach the client unchanged', () => {
    const error = toApiError(new AppError('at_capacity', 'You already hold 5 open tasks.'));

    expect([error.status, error.code, error.message]).toEqual([409, 'at_capacity', 'You already hold 5 open tasks.']);
  });

  test('when FerretDB answers SQLITE_BUSY (a writer waited out busy_timeout), then the client gets 503 database_unavailable', () => {
    // As the driver reports it, captured from FerretDB 1.24.2 with another connection holding the lock.
    const busy = Object.assign(
      new Error('[msg_update.go:133 handler.(*Handler).updateDocument] [db.go:134 fsql.(*DB).InTransaction] database is locked (5) (SQLITE_BUSY)'),
      { name: 'MongoServerError', code: 1, codeName: 'InternalError' },
    );
    const otherInternalError = Object.assign(new Error('[handler.go:1] something else'), { name: 'MongoServerError', code: 1 });

    expect([toApiError(busy).status, toApiError(busy).code]).toEqual([503, 'database_unavailable']);
    expect(toApiError(otherInternalError).code).toBe('internal_error');
  });

  test('when something unexpected fails, then the client gets a 500 without detail', () => {
    const error = toApiError(new Error('connection string mongodb://secret@host'));

    expect([error.status, error.code, error.message]).toEqual([500, 'internal_error', 'Something went wrong on our side.']);
  });
});
