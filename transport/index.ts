/**
 * transport/: the libp2p host of a CameoDB node and the RPC adapter that lets a named actor
 * be asked from another node through a RemoteActorRef with the local ref's contract.
 *
 * ```ts
 * const node = await createTransportNode({ dataDir, nodeId: 'n1', resolveActor: (name) => registry.lookup(name) });
 * await node.start();
 * const orchestrator = node.remoteRef<OrchestratorRequest, OrchestratorReplies>({ nodeId: 'n2' }, 'orchestrator-n2');
 * const reply = await orchestrator.ask({ type: 'GetStatus' }, { timeoutMs: 2000 });
 * ```
 * @module
 */
import './polyfills.js';

export {
  createTransportNode,
  RPC_PROTOCOL,
  type TransportNode,
  type TransportEvents,
  type PeerEvent,
} from './transport-node.js';
export {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CLUSTER_PORT,
  DEFAULT_MAX_FRAME_BYTES,
  generateSwarmKey,
  parseSeedNode,
  type HealthOptions,
  type TransportNodeOptions,
} from './options.js';
export { RemoteActorRef, type RemoteTarget } from './remote-ref.js';
export type { ActorResolver } from './session.js';
export { NODE_RECORD_NAMESPACE, type NodeRecord } from './node-record.js';
export { DHT_PROTOCOL } from './host.js';
export { TransportMetrics } from './metrics.js';
export { encodeLengthPrefix } from './framing.js';
export { createTestMesh, waitForFullMesh, type TestMesh, type TestMeshOptions } from './test-mesh.js';
