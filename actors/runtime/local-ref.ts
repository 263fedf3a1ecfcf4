/**
 * The ref of an actor in this process. `ask` is an async function on purpose: typed
 * failures (timeout, stopped, cancelled, overloaded) are built after its `await`, so
 * their stack carries the caller's async frames without capturing a stack per ask.
 * @module
 */
import { ValidationError, type Message, type ReplyMap, type ReplyOf } from '../../messages/index.js';
import type { ActorRef, AskOptions } from '../ref.js';
import type { ActorCell } from './actor-cell.js';

/** A ref to a local actor. Obtain one from `spawn`; never construct it. */
export class LocalActorRef<P extends Message, R extends ReplyMap<P>> implements ActorRef<P, R> {
  /** @internal */
  constructor(readonly cell: ActorCell<P, R, unknown>) {}

  /** The actor's path in the hierarchy. */
  get name(): string {
    return this.cell.path;
  }

  tell(message: P): void {
    this.cell.tell(message);
  }

  async ask<M extends P>(message: M, options?: AskOptions): Promise<ReplyOf<P, R, M>> {
    const timeoutMs = options?.timeoutMs ?? this.cell.askTimeoutMs;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new ValidationError(`ask timeoutMs must be a finite number > 0, got ${String(timeoutMs)}`);
    }
    const pending = this.cell.enqueueAsk(message, timeoutMs, options?.signal);
    await pending.promise;
    return pending.outcome() as ReplyOf<P, R, M>;
  }
}
