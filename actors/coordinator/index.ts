/**
 * The cluster coordinator: the stable hash, the consistent-hash ring, the routing-key
 * ladder, the ClusterCoordinator actor and the ClusterMesh contract it is given.
 * @module
 */
export { stableHash, RING_SIZE } from './stable-hash.js';
export {
  HashRing,
  VIRTUAL_NODES_PER_NODE,
  virtualNodeToken,
  type RingMember,
  type RingOwner,
} from './hash-ring.js';
export { routeKey, type RoutingInput } from './routing-key.js';
export {
  clusterCoordinator,
  clusterState,
  schemaKey,
  type ClusterCoordinatorOptions,
  type ClusterCoordinatorReplies,
  type ClusterCoordinatorRequest,
  type CoordinatorState,
} from './cluster-coordinator.js';
export type { ClusterMesh, ClusterMeshContext, ClusterMeshFactory, ClusterPeer } from './cluster-mesh.js';
export type { ActorResolver } from './actor-resolver.js';
export { Handoff, type HandoffOptions, type HandoffSettings, type HandoffStatus } from './handoff.js';
export {
  HANDOFF_STATE_FILE,
  readCompletedRing,
  ringSignature,
  writeCompletedRing,
} from './handoff-state-file.js';
export {
  MEMBERSHIP_FILE,
  MembershipFileError,
  readMembers,
  writeMembers,
  type RingMemberRecord,
} from './membership-file.js';
