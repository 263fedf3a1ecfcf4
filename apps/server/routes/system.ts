/**
 * Operational routes: `/_cluster/health` (with the cluster's state, peers and remote-call
 * counters on a cluster member), `/metrics` (Prometheus text) and `/openapi.json`.
 * They bypass the in-flight cap so a loaded node can still be observed.
 * @module
 */
import type { Gateway, RouteRegistrar } from '../gateway.js';
import { rebalancingJson } from './cluster.js';
import { openApiDocument } from '../openapi.js';

const startedAt = Date.now();

/** The cluster part of the health answer: state, peers, broadcast and remote-call counters. */
async function clusterHealth(gateway: Gateway) {
  const cluster = gateway.node.cluster;
  if (cluster === undefined) return undefined;
  const status = await cluster.status();
  const traffic = cluster.traffic();
  return {
    state: status.state,
    ring_virtual_nodes: status.ringSize,
    peers: status.peers.map((peer) => ({
      node_id: peer.nodeId,
      healthy: peer.healthy,
      shards: peer.shards.length,
      last_seen_ms: peer.lastSeenMs,
      asks: traffic.peers[peer.nodeId]?.asks ?? 0,
      failures: traffic.peers[peer.nodeId]?.failures ?? 0,
      mean_latency_ms: traffic.peers[peer.nodeId]?.meanLatencyMs ?? 0,
    })),
    ...(status.rebalancing === undefined ? {} : { rebalancing: rebalancingJson(status.rebalancing) }),
    broadcasts: traffic.broadcasts,
    broadcast_failures: traffic.broadcastNodeFailures,
    retries: traffic.retries,
    remote_timeouts: traffic.remoteTimeouts,
  };
}

const registerSystemRoutes: RouteRegistrar = (app, gateway) => {
  app.get(
    '/_cluster/health',
    gateway.handler(async (c) => {
      const health = await gateway.node.health();
      const cluster = await clusterHealth(gateway);
      return c.json({
        status:
          health.status === 'green' && cluster !== undefined && cluster.state !== 'Active'
            ? 'yellow'
            : health.status,
        cluster_name: 'cameodb',
        node_id: gateway.node.nodeId,
        node_name: gateway.node.nodeName,
        number_of_nodes: cluster === undefined ? 1 : cluster.peers.length + 1,
        ...(cluster === undefined ? {} : { cluster }),
        shards: health.shards.map((shard) => ({
          id: shard.id,
          state: shard.state,
          documents: shard.documents,
          mailbox_depth: shard.mailboxDepth,
        })),
        active_shards: health.shards.filter((shard) => shard.state === 'running').length,
        total_shards: health.shards.length,
        queue_depths: {
          router_mailbox: health.routerMailboxDepth,
          shard_mailboxes: health.shards.reduce((sum, shard) => sum + shard.mailboxDepth, 0),
          worker_queues: health.workerQueueDepths,
          http_in_flight: gateway.inFlight,
        },
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      });
    }),
  );

  app.get(
    '/metrics',
    gateway.handler(async (c) => {
      const { contentType, text } = await gateway.metrics.scrape(gateway.node.metrics);
      return c.body(text, 200, { 'Content-Type': contentType });
    }),
  );

  const document = JSON.stringify(openApiDocument());
  app.get('/openapi.json', (c) => c.body(document, 200, { 'Content-Type': 'application/json' }));
};

export { registerSystemRoutes };
