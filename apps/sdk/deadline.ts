/**
 * One attempt's deadline: an AbortController that fires with a CameoTimeoutError when the
 * timer runs out, or with a CancelledError when the caller's own signal aborts. Streams
 * call `touch()` on every chunk, which turns the timeout into an idle timeout: a stream
 * of gigabytes may take as long as it needs while it makes progress.
 * @module
 */
import { CancelledError } from '../../messages/index.js';
import { CameoTimeoutError } from './errors.js';

/** A resettable timeout bound to an AbortSignal. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #method: string;
  readonly #path: string;
  readonly #callerSignal: AbortSignal | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, method: string, path: string, callerSignal?: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#method = method;
    this.#path = path;
    this.#callerSignal = callerSignal;
    if (callerSignal?.aborted) {
      this.#controller.abort(new CancelledError(`${method} ${path} cancelled by the caller`));
    } else {
      callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
      this.touch();
    }
  }

  /** The signal to hand to fetch and to stream readers. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The error that aborted this attempt, if any. */
  get reason(): Error | undefined {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as Error) : undefined;
  }

  /** Restarts the timer: progress was made. */
  touch(): void {
    if (this.#controller.signal.aborted || this.#timeoutMs <= 0) return;
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#controller.abort(new CameoTimeoutError(this.#method, this.#path, this.#timeoutMs));
    }, this.#timeoutMs);
  }

  /** Stops the timer and forgets the caller's signal; the attempt is over. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  readonly #onCallerAbort = (): void => {
    this.dispose();
    this.#controller.abort(new CancelledError(`${this.#method} ${this.#path} cancelled by the caller`));
  };
}
