/**
 * The cluster coordinator's pure parts: the stable hash, the consistent-hash ring and the
 * routing-key ladder.
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
