/**
 * actors/: the actor runtime (typed refs, ask with deadlines, supervision, the named
 * registry, metrics, the worker pool) and CameoDB's actors.
 * @module
 */
export type { ActorRef, AskOptions } from './ref.js';
export * from './runtime/index.js';
export * from './examples/index.js';
