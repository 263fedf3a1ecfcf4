/**
 * RouterActor: the ingress of every client operation. For each operation it asks for a
 * routing decision, then carries it out. On a single node every decision is Local and the
 * operation goes to the node's orchestrator. In a cluster the decisions come from the
 * ClusterCoordinator and are carried out by the cluster executor (cluster-routing.ts).
 * @module
 */
import {
  CameoError,
  assertNever,
  type ClientOp,
  type ClientReplies,
  type ReplyOf,
} from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import {
  CrashPolicy,
  defineActor,
  type ActorDefinition,
  type MessageContext,
  type MessageHandlers,
} from '../runtime/index.js';
import { clusterExecutor, type ClusterRoutingOptions } from './cluster-routing.js';
import { localOnly, type RouteDecider } from './route-decision.js';

/** What a router needs. */
export interface RouterOptions {
  /** This node's orchestrator. */
  readonly local: ActorRef<ClientOp, ClientReplies>;
  /** The routing decision; default: everything local. */
  readonly decide?: RouteDecider;
  /** Most operations in the router's mailbox before asks get OverloadedError (admission control). */
  readonly mailboxLimit?: number;
  /** Deadline of one forwarded operation (default 60 s); the caller's deadline also applies. */
  readonly forwardTimeoutMs?: number;
  /**
   * Cluster mode: decisions come from the ClusterCoordinator and are carried out over the
   * mesh (remote asks, per-owner batches, scatter-gather). Absent: the single-node path.
   */
  readonly cluster?: ClusterRoutingOptions;
}

type RouterState = undefined;
type Context = MessageContext<ClientOp, ClientReplies, RouterState>;

/** Raised when a decision names a route this node cannot carry out yet. */
export class RouteUnavailableError extends CameoError {
  static readonly code = 'ROUTE_UNAVAILABLE';
  constructor(message: string) {
    super(RouteUnavailableError.code, message);
  }
}

/** The definition of a node's router. */
export function routerActor(options: RouterOptions): ActorDefinition<ClientOp, ClientReplies, RouterState> {
  const decide = options.decide ?? localOnly;
  const timeoutMs = options.forwardTimeoutMs ?? 60_000;
  const cluster = options.cluster === undefined ? undefined : clusterExecutor(options.cluster);

  async function route<M extends ClientOp>(
    message: M,
    context: Context,
  ): Promise<ReplyOf<ClientOp, ClientReplies, M>> {
    if (cluster !== undefined) return cluster.execute(message, context.signal, timeoutMs);
    const decision = await decide(message);
    switch (decision.route) {
      case 'Local':
        return options.local.ask(message, { signal: context.signal, timeoutMs });
      case 'Remote':
      case 'Broadcast':
        throw new RouteUnavailableError(
          `route ${decision.route} needs the cluster coordinator, which is not running`,
        );
      default:
        return assertNever(decision, 'route decision');
    }
  }

  const forward = <M extends ClientOp>(_state: RouterState, message: M, context: Context) =>
    route(message, context);
  const receive: MessageHandlers<ClientOp, ClientReplies, RouterState> = {
    Write: forward,
    BulkWrite: forward,
    Delete: forward,
    BulkDelete: forward,
    Get: forward,
    Search: forward,
    Stream: forward,
    GetConfig: forward,
    CreateConfig: forward,
    DropIndex: forward,
    ListIndexes: forward,
  };

  return defineActor<ClientOp, ClientReplies, RouterState>({
    name: 'router',
    initialState: () => undefined,
    concurrency: 4096,
    mailboxLimit: options.mailboxLimit ?? 10_000,
    messageDeadlineMs: timeoutMs + 5_000,
    // The router holds no state: a failed operation is the caller's error, not a reason to restart.
    supervision: CrashPolicy.Resume,
    receive,
  });
}
