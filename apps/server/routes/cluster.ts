/**
 * The cluster admin API: `GET /_cluster/nodes` (the ring's members and their health) and
 * `GET /_cluster/ring` (the consistent-hash ring: members, their share of the key space,
 * and every virtual node), and `DELETE /_cluster/nodes/{nodeId}` (take a member that is down
 * for good off the ring). A node started without `--cluster-enabled` answers as a
 * one-node cluster.
 * @module
 */
import { HashRing, RING_SIZE, VIRTUAL_NODES_PER_NODE } from '../../../actors/index.js';
import { ValidationError, type ClusterStatus, type RingSnapshot } from '../../../messages/index.js';
import type { Gateway, RouteRegistrar } from '../gateway.js';
import type { ClusterHandle } from '../node-handle.js';

/** Each member's share of the key space: the arcs that end at its virtual nodes. */
export function ringShares(tokens: RingSnapshot['tokens']): Map<string, number> {
  const shares = new Map<string, number>();
  tokens.forEach((token, index) => {
    const previous = index === 0 ? tokens[tokens.length - 1]!.token - RING_SIZE : tokens[index - 1]!.token;
    shares.set(token.nodeId, (shares.get(token.nodeId) ?? 0) + (token.token - previous) / RING_SIZE);
  });
  return shares;
}

/**
 * Rebalancing as the cluster routes show it: whether this node is handing documents off, its
 * pending and moved counts, and the nodes it knows to be handing off.
 */
export function rebalancingJson(rebalancing: NonNullable<ClusterStatus['rebalancing']>) {
  return {
    active: rebalancing.active || rebalancing.nodes.length > 0,
    handing_off: rebalancing.active,
    pending_documents: rebalancing.pendingDocuments,
    handed_off_documents: rebalancing.handedOffDocuments,
    nodes: rebalancing.nodes,
  };
}

async function ringOf(gateway: Gateway): Promise<RingSnapshot> {
  if (gateway.node.cluster !== undefined) return gateway.node.cluster.ring();
  const health = await gateway.node.health();
  const ring = new HashRing([{ nodeId: gateway.node.nodeId, shardCount: Math.max(1, health.shards.length) }]);
  return {
    type: 'RingSnapshot',
    virtualNodesPerNode: VIRTUAL_NODES_PER_NODE,
    members: ring.members.map((member) => ({ nodeId: member.nodeId, shardCount: member.shardCount })),
    tokens: ring.tokens().map((token) => ({ ...token })),
  };
}

/** The cluster handle of a member node; ValidationError for a node started without a cluster. */
function memberOf(gateway: Gateway): ClusterHandle {
  const cluster = gateway.node.cluster;
  if (cluster === undefined) {
    throw new ValidationError('this node is not a cluster member (started without --cluster-enabled)');
  }
  return cluster;
}

/** Which peers a membership change was passed on to, and which not (and why). */
function toldJson(told: { notified: string[]; failed: { nodeId: string; error: string }[] }) {
  return {
    notified: told.notified,
    failed: told.failed.map((item) => ({ node_id: item.nodeId, error: item.error })),
  };
}

const registerClusterRoutes: RouteRegistrar = (app, gateway) => {
  app.get(
    '/_cluster/nodes',
    gateway.handler(async (c) => {
      const cluster = gateway.node.cluster;
      const self = {
        node_id: gateway.node.nodeId,
        node_name: gateway.node.nodeName,
        self: true,
        healthy: true,
        shards: (await gateway.node.health()).shards.length,
        addresses: cluster?.addresses() ?? [],
        last_seen_ms: Date.now(),
      };
      if (cluster === undefined) {
        return c.json({ cluster_enabled: false, state: 'Active', node_id: self.node_id, nodes: [self] });
      }
      const status = await cluster.status();
      const handingOff = new Set(status.rebalancing?.nodes ?? []);
      const leaving = new Set(status.leaving ?? []);
      const peers = status.peers.map((peer) => ({
        node_id: peer.nodeId,
        self: false,
        healthy: peer.healthy,
        shards: peer.shards.length,
        addresses: peer.addresses,
        last_seen_ms: peer.lastSeenMs,
        handing_off: handingOff.has(peer.nodeId),
        leaving: leaving.has(peer.nodeId),
      }));
      return c.json({
        cluster_enabled: true,
        state: status.state,
        node_id: self.node_id,
        ...(status.rebalancing === undefined ? {} : { rebalancing: rebalancingJson(status.rebalancing) }),
        nodes: [
          { ...self, handing_off: handingOff.has(self.node_id), leaving: leaving.has(self.node_id) },
          ...peers,
        ],
      });
    }),
  );

  app.delete(
    '/_cluster/nodes/:nodeId',
    gateway.handler(async (c) => {
      const result = await memberOf(gateway).removeMember(c.req.param('nodeId') ?? '');
      return c.json({
        node_id: result.nodeId,
        removed: result.removed,
        members: result.members,
        ...toldJson(result),
      });
    }),
  );

  app.post(
    '/_cluster/nodes/:nodeId/_decommission',
    gateway.handler(async (c) => {
      const result = await memberOf(gateway).decommission(c.req.param('nodeId') ?? '');
      return c.json({
        node_id: result.nodeId,
        leaving: true,
        ring_members: result.ringMembers,
        ...toldJson(result),
      });
    }),
  );

  app.get(
    '/_cluster/ring',
    gateway.handler(async (c) => {
      const ring = await ringOf(gateway);
      const shares = ringShares(ring.tokens);
      return c.json({
        cluster_enabled: gateway.node.cluster !== undefined,
        hash: 'sha256-48',
        virtual_nodes_per_node: ring.virtualNodesPerNode,
        virtual_nodes: ring.tokens.length,
        members: ring.members.map((member) => ({
          node_id: member.nodeId,
          shard_count: member.shardCount,
          key_space_share: Math.round((shares.get(member.nodeId) ?? 0) * 1e6) / 1e6,
        })),
        tokens: ring.tokens.map((token) => ({
          token: token.token,
          node_id: token.nodeId,
          shard_id: token.shardId,
        })),
      });
    }),
  );
};

export { registerClusterRoutes };
