/**
 * Typing glue shared by every protocol: a protocol is a union of requests discriminated on
 * `type`, plus a map from each request's `type` to its reply type.
 * @module
 */
import type { Message } from './registry.js';

/** A map from request `type` to reply type. */
export type ReplyMap<P extends Message> = { [K in P['type']]: unknown };

/** The reply type of request `M` under the reply map `R`. */
export type ReplyOf<P extends Message, R extends ReplyMap<P>, M extends P> = R[M['type'] & keyof R];

/** Compile-time exhaustiveness check for `switch` over a union's `type`. */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
