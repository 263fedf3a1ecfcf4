/**
 * Operational routes: `/_cluster/health`, `/metrics` (Prometheus text) and `/openapi.json`.
 * They bypass the in-flight cap so a loaded node can still be observed.
 * @module
 */
import type { RouteRegistrar } from '../gateway.js';
import { openApiDocument } from '../openapi.js';

const startedAt = Date.now();

const registerSystemRoutes: RouteRegistrar = (app, gateway) => {
  app.get(
    '/_cluster/health',
    gateway.handler(async (c) => {
      const health = await gateway.node.health();
      return c.json({
        status: health.status,
        cluster_name: 'cameodb',
        node_id: gateway.node.nodeId,
        node_name: gateway.node.nodeName,
        number_of_nodes: 1,
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
