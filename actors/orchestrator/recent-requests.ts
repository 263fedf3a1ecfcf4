/**
 * The orchestrator's memory of recent write requests, for idempotency: a remote write that
 * the router retries (its reply was lost, or the peer was slow) carries the same request
 * id, and must return the first attempt's reply instead of being applied twice. Only
 * successful replies are remembered; a failed attempt may be retried for real. Bounded:
 * the oldest entries are forgotten first (a retry comes within seconds, not hours).
 * @module
 */

/** A bounded map from request id to the (pending or settled) reply of its first attempt. */
export class RecentRequests {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`invalid capacity ${capacity}`);
  }

  /** Requests remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `work` once per request id: a concurrent or later call with the same id gets the
   * first call's reply. Without an id, `work` just runs.
   */
  run<T>(requestId: string | undefined, work: () => Promise<T>): Promise<T> {
    if (requestId === undefined) return work();
    const known = this.entries.get(requestId);
    if (known !== undefined) return known as Promise<T>;
    const attempt = work();
    this.entries.set(requestId, attempt);
    // A failure is forgotten so the retry really runs; a success stays until evicted.
    attempt.catch(() => {
      if (this.entries.get(requestId) === attempt) this.entries.delete(requestId);
    });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return attempt;
  }
}
