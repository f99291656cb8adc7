/**
 * Runs async sections one at a time, in arrival order. Update and signal handlers interleave at
 * every await; the conversation's messages must not.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(section: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(section).finally(() => {
      this.pending -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Nothing queued or running: safe to end this workflow run. */
  get isIdle(): boolean {
    return this.pending === 0;
  }

  /** Resolves once everything queued so far has run. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
