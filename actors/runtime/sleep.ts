/**
 * Waiting that an abort cuts short: backoff between retries must not keep a stopping
 * actor (or a request whose client left) waiting.
 * @module
 */

/** Resolves after `ms`, or at once when `signal` is (or becomes) aborted. Never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
