/**
 * In-process cluster harness: n real nodes (actors, storage, libp2p transport on
 * 127.0.0.1 with random ports) in temporary directories, node 0 the seed of the others.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type HandoffSettings, type RunningNode } from '../../actors/index.js';
import { transportMeshFactory } from '../../apps/server/cluster-mesh.js';

const silent = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** Options of one test node. */
export interface TestNodeOptions {
  readonly seeds?: readonly string[];
  readonly shards?: number;
  readonly peerTimeoutMs?: number;
  /** Rebalancing tunables (small pages and pauses slow a handoff down for tests). */
  readonly handoff?: HandoffSettings;
}

/** Starts one cluster node on `dataPath`. */
export function startClusterNode(dataPath: string, options: TestNodeOptions = {}): Promise<RunningNode> {
  return startNode({
    dataPaths: [dataPath],
    shards: options.shards ?? 2,
    nodeName: `test-${dataPath.slice(-6)}`,
    logger: silent,
    readerThreads: 1,
    cluster: {
      createMesh: transportMeshFactory({ host: '127.0.0.1', port: 0, quic: false, logger: silent }),
      seeds: options.seeds ?? [],
      joinTimeoutMs: 15_000,
      peerTimeoutMs: options.peerTimeoutMs ?? 3_000,
      retryBackoffMs: 20,
      ...(options.handoff === undefined ? {} : { handoff: options.handoff }),
    },
  });
}

/**
 * A node without the cluster layer holding `shards` shards in `dataPath`: the single node
 * whose answers a cluster holding the same documents must give.
 */
export function startReferenceNode(dataPath: string, shards: number): Promise<RunningNode> {
  return startNode({ dataPaths: [dataPath], shards, nodeName: 'single', logger: silent, readerThreads: 1 });
}

/** The TCP address of a node, to seed another. */
export function seedOf(node: RunningNode): string {
  const address = node.cluster!.mesh.addresses().find((item) => item.includes('/tcp/'));
  if (address === undefined) throw new Error('node has no TCP address');
  return address;
}

/** Waits until `condition` holds (polling), or fails after `timeoutMs`. */
export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True when every node sees `expected` members, all up. */
export async function allSee(nodes: readonly RunningNode[], expected: number): Promise<boolean> {
  for (const node of nodes) {
    const status = await node.cluster!.coordinator.ask({ type: 'GetStatus' });
    if (status.peers.length !== expected - 1 || status.peers.some((peer) => !peer.healthy)) return false;
  }
  return true;
}

/** A running in-process cluster. */
export class TestCluster {
  readonly nodes: Array<RunningNode | undefined> = [];
  readonly paths: string[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'cameodb-cluster-'));

  /** Starts n nodes, node 0 first, and waits until all see each other. */
  static async start(n: number, options: TestNodeOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster();
    try {
      for (let index = 0; index < n; index++) await cluster.add(options);
      await until(() => allSee(cluster.live(), n));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Starts one more node (seeded by the first live node). */
  async add(options: TestNodeOptions = {}): Promise<RunningNode> {
    const path = join(this.root, `node-${this.paths.length}`);
    this.paths.push(path);
    const seed = this.live()[0];
    const node = await startClusterNode(path, {
      ...options,
      seeds: seed === undefined ? [] : [seedOf(seed)],
    });
    this.nodes.push(node);
    return node;
  }

  /** Node i (must be running). */
  node(index: number): RunningNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index} is not running`);
    return node;
  }

  /** The running nodes. */
  live(): RunningNode[] {
    return this.nodes.filter((node): node is RunningNode => node !== undefined);
  }

  /** Stops node i (it keeps its data directory and identity). */
  async stopNode(index: number): Promise<void> {
    const node = this.nodes[index];
    this.nodes[index] = undefined;
    await node?.stop();
  }

  /** Restarts node i on its own data directory (same identity), seeded by another live node. */
  async restartNode(index: number, options: TestNodeOptions = {}): Promise<RunningNode> {
    const seed = this.live()[0];
    const node = await startClusterNode(this.paths[index]!, {
      ...options,
      seeds: seed === undefined ? [] : [seedOf(seed)],
    });
    this.nodes[index] = node;
    return node;
  }

  /** Stops every node and deletes the directories. */
  async stop(): Promise<void> {
    await Promise.all(this.live().map((node) => node.stop()));
    this.nodes.fill(undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}
