/**
 * The restart limit of one actor: at most `maxRestarts` restarts within a sliding window
 * of `withinMs`. One more crash in the window and the actor stops instead of restarting.
 * @module
 */
import type { RestartLimit } from './actor-definition.js';

/** Default: 10 restarts within 60 s. */
export const DEFAULT_RESTART_LIMIT: RestartLimit = { maxRestarts: 10, withinMs: 60_000 };

/** @internal Remembers recent restart times. */
export class RestartWindow {
  private readonly times: number[] = [];

  constructor(readonly limit: RestartLimit = DEFAULT_RESTART_LIMIT) {}

  /** Whether one more restart at `now` stays within the limit. */
  allows(now: number = Date.now()): boolean {
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.limit.withinMs)
      this.times.shift();
    return this.times.length < this.limit.maxRestarts;
  }

  /** Records a restart at `now`. */
  record(now: number = Date.now()): void {
    this.times.push(now);
  }
}
