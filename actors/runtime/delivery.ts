/**
 * A message as it travels through an actor's nact mailbox, and the thenable check the
 * dispatcher uses to tell synchronous from asynchronous handlers.
 * @module
 */
import type { Message } from '../../messages/index.js';
import type { PendingAsk } from './pending-ask.js';

/** @internal One message in a mailbox; `ask` is null for a tell. */
export class Delivery {
  constructor(
    readonly message: Message,
    readonly ask: PendingAsk | null,
  ) {}
}

/** @internal True for promises and other thenables. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
