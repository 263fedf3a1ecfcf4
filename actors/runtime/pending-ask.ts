/**
 * One outstanding ask: the caller's side of a request. It is its own correlation (the
 * delivery carries this object, so a reply can never reach another ask), its own deadline
 * node, and its own abort listener. Typed failures are described here and built by the
 * caller's `ask` continuation, so their stack shows the caller's async frames.
 * @module
 */
import {
  ActorStoppedError,
  AskTimeoutError,
  CancelledError,
  OverloadedError,
  ShuttingDownError,
} from '../../messages/index.js';
import { DeadlineNode } from './deadline-timers.js';

/** Why an ask failed without an error from its handler. */
export const AskFailure = {
  /** The caller's deadline passed. */
  Timeout: 1,
  /** The handler exceeded the actor's per-message deadline. */
  HandlerDeadline: 2,
  /** The target stopped before handling the message. */
  Stopped: 3,
  /** The caller's AbortSignal fired. */
  Cancelled: 4,
  /** The mailbox was full. */
  Overloaded: 5,
  /** The actor system shut down. */
  ShuttingDown: 6,
  /** The handler threw or rejected: `error` is its error, preserved as-is. */
  HandlerError: 7,
} as const;
/** Why an ask failed. */
export type AskFailure = (typeof AskFailure)[keyof typeof AskFailure];

const PENDING = 0;
const REPLIED = 1;
const FAILED = 2;

/** Notified when an ask settles early (timeout or cancellation) while its message runs. */
export interface AskObserver {
  askAbandoned(reason: CancelledError | AskTimeoutError): void;
}

/** The caller's side of one request. */
export class PendingAsk extends DeadlineNode {
  /** Settles `promise`; the outcome is read from the fields below. */
  private resolvePromise!: () => void;
  /** Resolves (never rejects) when the ask settles. */
  readonly promise: Promise<void>;
  private state = PENDING;
  /** The reply, once replied. */
  value: unknown = undefined;
  /** The failure kind, once failed. */
  failure: AskFailure = AskFailure.HandlerError;
  /** The handler's error for HandlerError. */
  error: unknown = undefined;
  /** Whether the target has started handling the message. */
  started = false;
  /** The running message, told when the caller gives up. */
  observer: AskObserver | null = null;

  constructor(
    /** Correlation id: monotonic per actor system. */
    readonly id: number,
    /** Path of the target actor, for error messages. */
    readonly target: string,
    /** Tag of the request, for error messages. */
    readonly messageType: string,
    /** The caller's deadline in milliseconds. */
    readonly timeoutMs: number,
    /** The caller's signal, if any. */
    readonly signal: AbortSignal | undefined,
    /** Called once when the ask settles (removes it from its actor's table). */
    private readonly onSettled: (ask: PendingAsk) => void,
  ) {
    super();
    this.promise = new Promise<void>((resolve) => {
      this.resolvePromise = resolve;
    });
  }

  /** True once replied or failed. */
  get settled(): boolean {
    return this.state !== PENDING;
  }

  /** Settles with a reply; false when already settled. */
  reply(value: unknown): boolean {
    if (this.state !== PENDING) return false;
    this.state = REPLIED;
    this.value = value;
    this.finish();
    return true;
  }

  /** Settles with a failure; false when already settled. */
  fail(failure: AskFailure, error?: unknown): boolean {
    if (this.state !== PENDING) return false;
    this.state = FAILED;
    this.failure = failure;
    this.error = error;
    this.finish();
    return true;
  }

  /** Deadline of the caller passed. */
  override expire(): void {
    if (this.fail(AskFailure.Timeout)) this.observer?.askAbandoned(this.toError() as AskTimeoutError);
  }

  /** The caller's signal fired (EventListener object: no closure per ask). */
  handleEvent(): void {
    if (this.fail(AskFailure.Cancelled)) this.observer?.askAbandoned(this.toError() as CancelledError);
  }

  /** The outcome as a value, or the error to throw. Call in the caller's continuation. */
  outcome(): unknown {
    if (this.state === REPLIED) return this.value;
    throw this.toError();
  }

  /** Builds the typed error of a failed ask. */
  toError(): unknown {
    const details = { actor: this.target, messageType: this.messageType, correlationId: this.id };
    switch (this.failure) {
      case AskFailure.HandlerError:
        return this.error;
      case AskFailure.Timeout:
        return new AskTimeoutError(
          `ask "${this.messageType}" to actor "${this.target}" got no reply within ${this.timeoutMs} ms`,
          { details: { ...details, timeoutMs: this.timeoutMs } },
        );
      case AskFailure.HandlerDeadline:
        return new AskTimeoutError(
          `actor "${this.target}" did not finish "${this.messageType}" within its message deadline`,
          { details, cause: this.error },
        );
      case AskFailure.Stopped:
        return new ActorStoppedError(
          `actor "${this.target}" is stopped; "${this.messageType}" was not handled`,
          {
            details,
          },
        );
      case AskFailure.Cancelled:
        return new CancelledError(`ask "${this.messageType}" to actor "${this.target}" was cancelled`, {
          details,
          cause: this.signal?.reason,
        });
      case AskFailure.Overloaded:
        return new OverloadedError(`actor "${this.target}" has a full mailbox; retry later`, { details });
      case AskFailure.ShuttingDown:
        return new ShuttingDownError(`actor system is shutting down; "${this.messageType}" was not handled`, {
          details,
        });
    }
  }

  private finish(): void {
    this.signal?.removeEventListener('abort', this);
    this.onSettled(this);
    this.resolvePromise();
  }
}
