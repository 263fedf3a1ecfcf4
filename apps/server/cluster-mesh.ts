/**
 * The ClusterMesh of a cameodb server: the libp2p TransportNode from transport/, presented
 * with the small contract actors/ defines (actors/ must not import transport/).
 * transport/ (libp2p, about 37 MiB of resident memory) is imported only when a mesh is
 * created, so a single node never loads it; this module imports its types only.
 * @module
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClusterMesh, ClusterMeshFactory, ClusterPeer } from '../../actors/index.js';
import type { TransportNode, TransportNodeOptions } from '../../transport/index.js';

/** Wraps a transport node (created with this node's id) as a ClusterMesh. */
export function transportClusterMesh(node: TransportNode): ClusterMesh {
  const peerOf = (nodeId: string): ClusterPeer | undefined => {
    const record = node.peers().find((peer) => peer.nodeId === nodeId);
    return record === undefined
      ? undefined
      : {
          nodeId: record.nodeId,
          peerId: record.peerId,
          addresses: record.addresses,
          shardCount: record.shards.length,
        };
  };
  return {
    nodeId: node.nodeId,
    start: () => node.start(),
    stop: () => node.stop(),
    addresses: () => node.multiaddrs(),
    peers: () =>
      node.peers().map((record) => ({
        nodeId: record.nodeId,
        peerId: record.peerId,
        addresses: record.addresses,
        shardCount: record.shards.length,
      })),
    onPeerJoined(listener) {
      return node.on('peer:joined', (event) => {
        const peer = peerOf(event.nodeId);
        if (peer !== undefined) listener(peer);
      });
    },
    onPeerLost(listener) {
      return node.on('peer:lost', (event) => listener(event.nodeId));
    },
    dial: (address) => node.dial(address, { signal: AbortSignal.timeout(5_000) }),
    remoteRef: (nodeId, actorName) => node.remoteRef({ nodeId }, actorName),
  };
}

/** Options of the transport every cluster member gets (everything but what the node decides). */
export type ClusterTransportOptions = Omit<
  TransportNodeOptions,
  'dataDir' | 'nodeId' | 'resolveActor' | 'shards'
> & { readonly logger?: Logger; readonly metricsRegistry?: Registry };

/** A ClusterMeshFactory over libp2p: the node's peer key lives in its first data path. */
export function transportMeshFactory(options: ClusterTransportOptions): ClusterMeshFactory {
  return async (context) => {
    const { createTransportNode } = await import('../../transport/index.js');
    const node = await createTransportNode({
      ...options,
      dataDir: context.dataPath,
      nodeId: context.nodeId,
      resolveActor: context.resolveActor,
      seedNodes: [...(options.seedNodes ?? []), ...context.seeds],
      shards: Array.from({ length: context.shardCount }, (_, shard) => shard),
    });
    return transportClusterMesh(node);
  };
}
