/**
 * The default NodeFactory of the `cameodb` command. The node runtime (NodeOrchestrator,
 * RouterActor, MicroshardActor) is wired here once it exists; until then starting the
 * server fails with a typed error instead of pretending to work.
 * @module
 */
import { CameoError } from '../../messages/index.js';
import type { NodeFactory } from './node-handle.js';

/** The node runtime is not available in this build. */
export class NodeRuntimeUnavailableError extends CameoError {
  static readonly code = 'NODE_RUNTIME_UNAVAILABLE';
  constructor() {
    super(NodeRuntimeUnavailableError.code, 'node runtime not built yet');
  }
}

/** Builds the node; replaced by the real factory from actors/ at integration. */
export const createNode: NodeFactory = () => Promise.reject(new NodeRuntimeUnavailableError());
