/**
 * The routing decision, kept apart from carrying it out: a single node routes everything
 * to its own orchestrator; the cluster coordinator will answer Remote{node} and Broadcast.
 * @module
 */
import type { ClientOp, RouteDecision } from '../../messages/index.js';

/** Decides where a client operation goes. */
export type RouteDecider = (operation: ClientOp) => RouteDecision | Promise<RouteDecision>;

/** The decider of a node that is not in a cluster: every operation is local. */
export const localOnly: RouteDecider = () => ({ type: 'RouteDecision', route: 'Local', shardId: 0 });
