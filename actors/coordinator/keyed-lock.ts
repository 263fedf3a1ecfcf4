/**
 * One change at a time per key (the coordinator serialises each index's schema changes).
 * @module
 */

/** Runs changes of the same key one after another; different keys run concurrently. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `change` after every earlier change of `key` has settled. */
  async run<T>(key: string, change: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(change, change);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, settled);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    }
  }
}
