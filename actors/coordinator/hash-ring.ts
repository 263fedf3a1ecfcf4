/**
 * The consistent-hash ring: 256 virtual nodes per physical node map a routing key to the
 * (node, shard) that owns it. Virtual node `i` of a node sits at
 * `stableHash("<nodeId>#<i>")` and belongs to shard `i mod shardCount`, so one node with
 * four shards and a cluster of many nodes use the same placement rule.
 * @module
 */
import { stableHash } from './stable-hash.js';

/** Virtual nodes per physical node. */
export const VIRTUAL_NODES_PER_NODE = 256;

/** One physical node as the ring sees it. */
export interface RingMember {
  readonly nodeId: string;
  readonly shardCount: number;
}

/** Where a key lives. */
export interface RingOwner {
  readonly nodeId: string;
  readonly shardId: number;
}

interface VirtualNode {
  readonly token: number;
  readonly nodeId: string;
  readonly shardId: number;
}

/** The ring position of virtual node `index` of `nodeId`. */
export function virtualNodeToken(nodeId: string, index: number): number {
  return stableHash(`${nodeId}#${index}`);
}

/** An immutable consistent-hash ring; build a new one when membership changes. */
export class HashRing {
  private readonly virtualNodes: readonly VirtualNode[];
  /** The members, sorted by node id. */
  readonly members: readonly RingMember[];

  constructor(members: readonly RingMember[], virtualNodesPerNode = VIRTUAL_NODES_PER_NODE) {
    const seen = new Set<string>();
    for (const member of members) {
      if (seen.has(member.nodeId)) throw new RangeError(`node ${member.nodeId} is on the ring twice`);
      if (!Number.isInteger(member.shardCount) || member.shardCount < 1) {
        throw new RangeError(`node ${member.nodeId} has an invalid shard count ${member.shardCount}`);
      }
      seen.add(member.nodeId);
    }
    this.members = [...members].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
    const virtualNodes: VirtualNode[] = [];
    for (const member of this.members) {
      for (let index = 0; index < virtualNodesPerNode; index++) {
        virtualNodes.push({
          token: virtualNodeToken(member.nodeId, index),
          nodeId: member.nodeId,
          shardId: index % member.shardCount,
        });
      }
    }
    // Ties (astronomically rare with 48-bit tokens) are broken by node id so every
    // process sorts the ring identically.
    virtualNodes.sort(
      (a, b) => a.token - b.token || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0),
    );
    this.virtualNodes = virtualNodes;
  }

  /** Number of virtual nodes on the ring. */
  get size(): number {
    return this.virtualNodes.length;
  }

  /** The owner of a routing key: the first virtual node at or after the key's position. */
  ownerOf(routingKey: string): RingOwner {
    if (this.virtualNodes.length === 0) throw new RangeError('the ring is empty');
    const position = stableHash(routingKey);
    let low = 0;
    let high = this.virtualNodes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.virtualNodes[middle]!.token < position) low = middle + 1;
      else high = middle;
    }
    const owner = this.virtualNodes[low === this.virtualNodes.length ? 0 : low]!;
    return { nodeId: owner.nodeId, shardId: owner.shardId };
  }

  /** The virtual nodes, for the cluster admin API (`GET /_cluster/ring`). */
  tokens(): ReadonlyArray<{ token: number; nodeId: string; shardId: number }> {
    return this.virtualNodes;
  }
}
