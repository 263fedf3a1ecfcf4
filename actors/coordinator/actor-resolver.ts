/**
 * The type-erased lookup of a node's named actors that a mesh serves to its peers.
 * @module
 */
import type { AnyActorRef } from '../runtime/index.js';

/** Finds a local actor by its registered name. */
export type ActorResolver = (name: string) => AnyActorRef | undefined;
