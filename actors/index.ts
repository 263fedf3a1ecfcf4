/**
 * actors/: the actor runtime (typed refs, ask with deadlines, supervision, the named
 * registry, metrics, the worker pool) and CameoDB's actors.
 * @module
 */
export type { ActorRef, AskOptions } from './ref.js';
export * from './runtime/index.js';
export * from './examples/index.js';
export * from './coordinator/index.js';
export { GroupCommitter, type CommitGroup, type GroupCommitSnapshot } from './microshard/group-commit.js';
export {
  microshardActor,
  type MicroshardOptions,
  type MicroshardProbe,
} from './microshard/microshard-actor.js';
export {
  nodeOrchestrator,
  type NodeOrchestratorOptions,
  type OrchestratorReplies,
  type OrchestratorRequest,
} from './orchestrator/node-orchestrator.js';
export { SchemaCache, sameSchemaContent } from './orchestrator/schema-cache.js';
export { RecentRequests } from './orchestrator/recent-requests.js';
export { routerActor, RouteUnavailableError, type RouterOptions } from './router/router-actor.js';
export { localOnly, type RouteDecider } from './router/route-decision.js';
export { ownerUnavailable, type ClusterRoutingOptions } from './router/cluster-routing.js';
export {
  ClusterRouterMetrics,
  type ClusterTrafficSnapshot,
  type PeerTraffic,
} from './router/cluster-metrics.js';
export {
  loadOrCreateIdentity,
  NodeIdentityError,
  IDENTITY_FILE,
  type NodeIdentity,
} from './node/node-identity.js';
export {
  startNode,
  type NodeClusterOptions,
  type NodeOptions,
  type RunningCluster,
  type NodeStatus,
  type RunningNode,
  type ShardStatus,
} from './node/start-node.js';
