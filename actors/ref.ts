/**
 * The contract every actor reference honours, local or remote: `tell` to send without a
 * reply, `ask` to get the typed reply of a request before a deadline.
 * @module
 */
import type { Message, ReplyMap, ReplyOf } from '../messages/index.js';

/** Options of one ask. */
export interface AskOptions {
  /** Milliseconds until the ask fails with AskTimeoutError; defaults to the system's ask timeout. */
  readonly timeoutMs?: number;
  /** Cancels the ask with CancelledError. */
  readonly signal?: AbortSignal;
}

/**
 * A reference to an actor whose protocol is the union `P`, with replies typed by `R`.
 * Failures are typed: AskTimeoutError, ActorStoppedError, UnknownActorError,
 * PeerGoneError (remote), CancelledError, or the error class the handler threw.
 */
export interface ActorRef<P extends Message, R extends ReplyMap<P>> {
  /** The actor's name (its registered name, or its path in the hierarchy). */
  readonly name: string;
  /** Sends a message and does not wait for a reply. A message to a stopped actor is a dead letter. */
  tell(message: P): void;
  /** Sends a request and resolves with its typed reply, or rejects with a typed error. */
  ask<M extends P>(message: M, options?: AskOptions): Promise<ReplyOf<P, R, M>>;
}
