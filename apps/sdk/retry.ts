/**
 * When and how long to wait before retrying a refused call: exponential backoff with full
 * jitter, overridden by the server's Retry-After when it sends one (seconds or an HTTP date).
 * @module
 */

/** Backoff settings of a client. */
export interface RetryPolicy {
  /** How many times a retryable call is retried after its first attempt (0 disables). */
  readonly retries: number;
  /** Base of the exponential backoff, in milliseconds. */
  readonly baseDelayMs: number;
  /** Upper bound of one wait, in milliseconds (a longer Retry-After is capped to it). */
  readonly maxDelayMs: number;
}

/** Statuses that mean "not processed, try again later". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * Milliseconds a Retry-After header asks for, or undefined when absent or unreadable.
 * `now` is injectable for tests of the HTTP-date form.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date names its month; Date.parse alone would also take "-1" as a year.
  const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `attempt` (1-based): the server's Retry-After when given
 * (plus up to 10% jitter, so a crowd of clients does not come back in the same millisecond),
 * else full jitter over `base * 2^(attempt-1)`; both capped at `maxDelayMs`.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) {
    return Math.min(policy.maxDelayMs, retryAfterMs + Math.floor(random() * retryAfterMs * 0.1));
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
