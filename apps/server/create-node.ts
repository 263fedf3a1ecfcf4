/**
 * The default NodeFactory of the `cameodb` command: starts the node runtime from actors/
 * (identity, actor system, NodeOrchestrator with its MicroshardActors, RouterActor) and
 * presents it to the gateway as a NodeHandle.
 * @module
 */
import { startNode } from '../../actors/index.js';
import type { NodeFactory } from './node-handle.js';

/** Builds and starts the node described by the server configuration. */
export const createNode: NodeFactory = async (config, logger) => {
  const node = await startNode({
    dataPaths: config.storage.dataPaths,
    shards: config.storage.shards,
    nodeName: config.node.name,
    logger,
    routerMailboxLimit: config.http.maxInFlightRequests * 4,
  });
  return {
    router: node.router,
    nodeId: node.identity.nodeId,
    nodeName: node.identity.nodeName,
    metrics: node.metricsRegistry,
    health: () => node.status(),
    stop: () => node.stop(),
  };
};
