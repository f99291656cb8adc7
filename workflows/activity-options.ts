import type { ActivityOptions } from '@temporalio/workflow';

// The two retry stances of the workflows' side effects, named once.

/** A write to our own database (read models, SLA records): it must eventually happen, however long the database is away. */
export const ownDatabaseWrite = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
} satisfies ActivityOptions;

/** A call to a receiver outside our control (a webhook): retried for about an hour and a half, then given up. */
export const outsideReceiverCall = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', maximumAttempts: 20 },
} satisfies ActivityOptions;
