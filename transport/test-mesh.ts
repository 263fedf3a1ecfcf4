/**
 * A harness for multi-node tests: n transport nodes in this process on 127.0.0.1, random
 * ports, temporary data directories, node 0 as the seed of the others. It resolves once
 * every node has a session with every other, and tears everything down (nodes, then
 * directories) so jest exits without --forceExit.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AskTimeoutError } from '../messages/index.js';
import type { TransportNodeOptions } from './options.js';
import type { ActorResolver } from './session.js';
import { createTransportNode, type TransportNode } from './transport-node.js';

/** Options of `createTestMesh`. */
export interface TestMeshOptions {
  /** Use QUIC (and advertise it); TCP is always on. Default false. */
  readonly quic?: boolean;
  /** The actors node `index` serves. */
  readonly resolveActor?: (index: number) => ActorResolver;
  /** Extra options given to every node (port/host/dataDir/seeds are set by the mesh). */
  readonly nodeOptions?: Partial<TransportNodeOptions>;
  /** How long to wait for the full mesh. Default 15000 ms. */
  readonly readyTimeoutMs?: number;
}

/** A running test mesh. */
export interface TestMesh {
  /** The nodes; node i has node id `node-i`. */
  readonly nodes: readonly TransportNode[];
  /** Stops node `index` gracefully (its peers see peer:lost). */
  stopNode(index: number): Promise<void>;
  /**
   * Kills node `index` the abrupt way an in-process harness can: every connection is
   * aborted (no graceful close of streams), then the host is stopped. For a real SIGKILL,
   * run a node in a child process (test/transport/fixtures/peer.ts).
   */
  killNode(index: number): Promise<void>;
  /** Stops every node and deletes the temporary directories. */
  stop(): Promise<void>;
}

/** Waits until every node of `nodes` has a completed hello from every other. */
export async function waitForFullMesh(nodes: readonly TransportNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const complete = nodes.every((node) => {
      const seen = new Set(node.peers().map((peer) => peer.nodeId));
      return nodes.every((other) => other === node || seen.has(other.nodeId));
    });
    if (complete) return;
    if (Date.now() > deadline) {
      const view = nodes.map(
        (node) =>
          `${node.nodeId}: [${node
            .peers()
            .map((peer) => peer.nodeId)
            .join(', ')}]`,
      );
      throw new AskTimeoutError(`mesh not complete after ${timeoutMs} ms: ${view.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts n nodes on 127.0.0.1 and resolves once they all see each other. */
export async function createTestMesh(n: number, options: TestMeshOptions = {}): Promise<TestMesh> {
  const root = await mkdtemp(join(tmpdir(), 'cameodb-mesh-'));
  const nodes: TransportNode[] = [];
  const stopped = new Set<number>();
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node, index) => (stopped.has(index) ? undefined : node.stop())));
    nodes.forEach((_node, index) => stopped.add(index));
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < n; index++) {
      // On a QUIC mesh the seed is dialled over QUIC, so the calls really travel on QUIC.
      const seed = nodes[0]
        ?.multiaddrs()
        .find((address) => address.includes(options.quic ? '/quic-v1' : '/tcp/'));
      const node = await createTransportNode({
        logger: pino({ level: 'silent' }),
        ...options.nodeOptions,
        dataDir: join(root, `node-${index}`),
        nodeId: `node-${index}`,
        host: '127.0.0.1',
        port: 0,
        quic: options.quic ?? false,
        ...(seed === undefined ? {} : { seedNodes: [seed] }),
        ...(options.resolveActor === undefined ? {} : { resolveActor: options.resolveActor(index) }),
      });
      nodes.push(node);
      await node.start();
    }
    await waitForFullMesh(nodes, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes,
    async stopNode(index: number): Promise<void> {
      const node = nodes[index];
      if (node === undefined || stopped.has(index)) return;
      stopped.add(index);
      await node.stop();
    },
    async killNode(index: number): Promise<void> {
      const node = nodes[index];
      if (node === undefined || stopped.has(index)) return;
      stopped.add(index);
      for (const connection of node.libp2p.getConnections())
        connection.abort(new Error('node killed by the test mesh'));
      await node.stop();
    },
    stop: stopAll,
  };
}
