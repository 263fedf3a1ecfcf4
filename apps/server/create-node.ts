/**
 * The default NodeFactory of the `cameodb` command: starts the node runtime from actors/
 * (identity, actor system, NodeOrchestrator with its MicroshardActors, RouterActor and,
 * with `--cluster-enabled`, the ClusterCoordinator over the libp2p mesh) and presents it
 * to the gateway as a NodeHandle.
 * @module
 */
import { readFileSync } from 'node:fs';
import { startNode, type NodeClusterOptions, type RunningNode } from '../../actors/index.js';
import { transportMeshFactory } from './cluster-mesh.js';
import type { ServerConfig } from './config.js';
import type { ClusterHandle, NodeFactory } from './node-handle.js';
import type { Logger } from 'pino';

/** The cluster settings of a node, from the `cluster` section of the configuration. */
export function clusterOptions(config: ServerConfig, logger: Logger): NodeClusterOptions | undefined {
  const { cluster } = config;
  if (!cluster.enabled) return undefined;
  return {
    createMesh: transportMeshFactory({
      host: cluster.bindAddress,
      port: cluster.port,
      logger: logger.child({ component: 'transport' }),
      // A PSK turns QUIC off (pnet protects TCP only); without one QUIC stays on by default.
      ...(pskHex(cluster) === undefined ? {} : { psk: swarmKey(pskHex(cluster)!) }),
    }),
    seeds: cluster.seedNodes,
    // Each request's own deadline bounds the whole operation; one peer gets at most this.
    peerTimeoutMs: Math.min(10_000, config.http.requestTimeoutMs),
  };
}

/** The key as 64 hex digits, from `cluster.psk` or the last line of `cluster.psk_file` (checked at load). */
function pskHex(cluster: ServerConfig['cluster']): string | undefined {
  if (cluster.psk !== undefined) return cluster.psk;
  if (cluster.pskFile === undefined) return undefined;
  const lines = readFileSync(cluster.pskFile, 'utf8').trim().split(/\r?\n/);
  return lines[lines.length - 1]?.trim();
}

/** libp2p's swarm key text for a hex key (the config accepts both a bare key and the pnet file format). */
function swarmKey(hex: string): string {
  return `/key/swarm/psk/1.0.0/\n/base16/\n${hex.toLowerCase()}`;
}

function clusterHandle(node: RunningNode): ClusterHandle | undefined {
  const cluster = node.cluster;
  if (cluster === undefined) return undefined;
  return {
    status: () => cluster.coordinator.ask({ type: 'GetStatus' }, { timeoutMs: 2_000 }),
    ring: () => cluster.coordinator.ask({ type: 'GetRing' }, { timeoutMs: 2_000 }),
    traffic: () => cluster.metrics.snapshot(),
    addresses: () => cluster.mesh.addresses(),
    // Telling every peer takes up to one peer timeout each, in parallel.
    removeMember: (nodeId) =>
      cluster.coordinator.ask({ type: 'RemoveMember', nodeId, propagate: true }, { timeoutMs: 30_000 }),
    decommission: (nodeId) =>
      cluster.coordinator.ask({ type: 'DecommissionMember', nodeId, propagate: true }, { timeoutMs: 30_000 }),
  };
}

/** Builds and starts the node described by the server configuration. */
export const createNode: NodeFactory = async (config, logger) => {
  const cluster = clusterOptions(config, logger);
  const node = await startNode({
    dataPaths: config.storage.dataPaths,
    shards: config.storage.shards,
    writerThreads: config.storage.writerThreads,
    readerThreads: config.storage.readerThreads,
    readerIdleTimeoutMs: config.storage.readerIdleTimeoutMs,
    writerNice: config.storage.writerNice,
    nodeName: config.node.name,
    logger,
    routerMailboxLimit: config.http.maxInFlightRequests * 4,
    ...(cluster === undefined ? {} : { cluster }),
  });
  const handle = clusterHandle(node);
  return {
    router: node.router,
    nodeId: node.identity.nodeId,
    nodeName: node.identity.nodeName,
    metrics: node.metricsRegistry,
    health: () => node.status(),
    stop: () => node.stop(),
    ...(handle === undefined ? {} : { cluster: handle }),
  };
};
