// Writes to our own database (read models, SLA records) from a workflow, in the workflow task that
// caused them while the database answers: a local activity, so no activity task and no second
// workflow task. When the database does not answer, the retrying activity writes instead, and the
// writes after it too until one lands, so they stay in order; versioned and keyed writes make a
// write that landed twice harmless.

/** `inProcess` is one quick try (a local activity); `durable` retries until the database is back. */
export function inProcessUntilTheDatabaseIsAway<I>(inProcess: (input: I) => Promise<void>, durable: (input: I) => Promise<void>): (input: I) => Promise<void> {
  let durableUntilOneLands = false;
  return async (input) => {
    if (!durableUntilOneLands) {
      try {
        await inProcess(input);
        return;
      } catch {
        durableUntilOneLands = true;
      }
    }
    await durable(input);
    durableUntilOneLands = false;
  };
}

/** The local-activity options of the in-process try: once, briefly; the durable write covers the rest. */
export const inProcessTry = { startToCloseTimeout: '2 seconds', retry: { maximumAttempts: 1 } } as const;
