/**
 * Starting and stopping one node: its identity, its actor system, the shared reader
 * threads, the NodeOrchestrator (which spawns the MicroshardActors) and the RouterActor,
 * in that order; stopping goes the other way.
 * @module
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ClientOp, ClientReplies, ShardReplies, ShardRequest } from '../../messages/index.js';
import { STORAGE_WORKER_MODULE, type StorageTask, type StorageTaskResult } from '../../storage/index.js';
import {
  clusterCoordinator,
  type ClusterCoordinatorReplies,
  type ClusterCoordinatorRequest,
} from '../coordinator/cluster-coordinator.js';
import type { ClusterMesh, ClusterMeshFactory } from '../coordinator/cluster-mesh.js';
import type { HandoffSettings } from '../coordinator/handoff.js';
import type { MicroshardProbe } from '../microshard/microshard-actor.js';
import { nodeOrchestrator } from '../orchestrator/node-orchestrator.js';
import { SchemaCache } from '../orchestrator/schema-cache.js';
import type { ActorRef } from '../ref.js';
import { ClusterRouterMetrics } from '../router/cluster-metrics.js';
import { routerActor } from '../router/router-actor.js';
import {
  createActorSystem,
  createWorkerPool,
  startThreadPoolHere,
  type ActorSystem,
} from '../runtime/index.js';
import { loadOrCreateIdentity, type NodeIdentity } from './node-identity.js';

/** What a node is started with. */
export interface NodeOptions {
  /** Data directories; shards are spread over them round-robin, the identity lives in the first. */
  readonly dataPaths: readonly string[];
  readonly shards: number;
  readonly nodeName: string;
  readonly logger: Logger;
  readonly metricsRegistry?: Registry;
  /** Create an unknown index from the first document written to it (default true). */
  readonly autoCreateIndexes?: boolean;
  /** Writer threads shared by the shards, shard i on thread i mod N (default min(shards, 2)). */
  readonly writerThreads?: number;
  /** Reader threads shared by all shards (default 2). */
  readonly readerThreads?: number;
  /**
   * Reader threads start on the first read and stop after this many milliseconds without
   * work (default 300000), so an idle node keeps none: each costs about 24 MiB.
   */
  readonly readerIdleTimeoutMs?: number;
  /**
   * Niceness (0-19) of the writer threads (default 10; Linux only, 0: unchanged), so that in
   * a bulk load the readers and the main thread get the CPU first.
   */
  readonly writerNice?: number;
  /** Operations waiting in the router before new ones get OverloadedError (default 10000). */
  readonly routerMailboxLimit?: number;
  /** Join a cluster; absent: a single node (every decision is Local). */
  readonly cluster?: NodeClusterOptions;
}

/** How a node joins a cluster. */
export interface NodeClusterOptions {
  /** Builds the mesh (apps/server wraps the libp2p transport). */
  readonly createMesh: ClusterMeshFactory;
  /** Seed nodes; with seeds, the start waits until the first peer is synchronised. */
  readonly seeds: readonly string[];
  /** How long the start waits for the first peer (default 30 s); the node starts anyway after it. */
  readonly joinTimeoutMs?: number;
  /** Deadline of one node's answer in a broadcast, and of one keyed remote attempt (default 10 s). */
  readonly peerTimeoutMs?: number;
  /** Most nodes asked at once by a broadcast (default 16). */
  readonly fanOutLimit?: number;
  /** Queries whose BM25 statistics the router remembers to skip a round (default 1024; 0: none). */
  readonly rememberedQueries?: number;
  /** Attempts of a remote call that failed transiently (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt (default 50). */
  readonly retryBackoffMs?: number;
  /** Rebalancing tunables (docs/CLUSTER.md); defaults suit production. */
  readonly handoff?: HandoffSettings;
}

/** The cluster parts of a running node. */
export interface RunningCluster {
  readonly mesh: ClusterMesh;
  /** Registered as `coordinator-<nodeId>`. */
  readonly coordinator: ActorRef<ClusterCoordinatorRequest, ClusterCoordinatorReplies>;
  readonly metrics: ClusterRouterMetrics;
}

/** One shard as health reports it. */
export interface ShardStatus {
  readonly id: number;
  readonly state: 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';
  readonly documents: number;
  readonly mailboxDepth: number;
}

/** The node's health, as the gateway shows it. */
export interface NodeStatus {
  readonly status: 'green' | 'yellow' | 'red';
  readonly shards: readonly ShardStatus[];
  readonly routerMailboxDepth: number;
  readonly workerQueueDepths: Readonly<Record<string, number>>;
}

/** A running node. */
export interface RunningNode {
  readonly identity: NodeIdentity;
  readonly system: ActorSystem;
  /** Ingress of every client operation. */
  readonly router: ActorRef<ClientOp, ClientReplies>;
  /** Registered as `orchestrator-<nodeId>`. */
  readonly orchestrator: ActorRef<ClientOp, ClientReplies>;
  readonly metricsRegistry: Registry;
  /** Present when the node is a cluster member. */
  readonly cluster?: RunningCluster;
  /** Current health; every shard is asked for its counts with a short deadline. */
  status(): Promise<NodeStatus>;
  /** Stops the router, the orchestrator and its shards (closing the stores), then the reader threads. */
  stop(): Promise<void>;
}

const STATUS_TIMEOUT_MS = 1_000;
/** Deadline of the shard stats when the reader threads must start first (0.2-2 s measured). */
const COLD_STATUS_TIMEOUT_MS = 15_000;
const DEFAULT_WRITER_NICE = 10;

/** Starts a node; resolves when every shard has opened (and recovered) its store. */
export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const [firstPath] = options.dataPaths;
  if (firstPath === undefined) throw new RangeError('a node needs at least one data path');
  const identity = loadOrCreateIdentity(firstPath, { nodeName: options.nodeName, shards: options.shards });
  const metricsRegistry = options.metricsRegistry ?? new Registry();
  const logger = options.logger.child({ nodeId: identity.nodeId });
  const system = createActorSystem({ name: `node-${identity.nodeName}`, logger, metricsRegistry });
  const readers = createWorkerPool<StorageTask, StorageTaskResult>({
    name: 'readers',
    module: STORAGE_WORKER_MODULE,
    threads: options.readerThreads ?? 2,
    // No idle reader threads: a ShardReader holds nothing a new thread cannot reopen.
    minThreads: 0,
    idleTimeoutMs: options.readerIdleTimeoutMs ?? 300_000,
    maxQueue: 10_000,
    metricsRegistry,
    logger,
  });
  const writerNice = options.writerNice ?? DEFAULT_WRITER_NICE;
  if (writerNice !== 0) await startThreadPoolHere();
  // One pool per writer thread: a shard's store must stay in one thread, and piscina cannot
  // pin tasks, so pinning is by pool. More writer threads than cores only costs memory
  // (about 24 MiB each) and starves the readers during bulk loads.
  const writers = Array.from(
    { length: Math.max(1, Math.min(options.writerThreads ?? 2, identity.shards)) },
    (_, slot) =>
      createWorkerPool<StorageTask, StorageTaskResult>({
        name: `writer-${slot}`,
        module: STORAGE_WORKER_MODULE,
        threads: 1,
        // A writer thread holds its shards' open stores: it must never stop while the node runs.
        minThreads: 1,
        idleTimeoutMs: Number.POSITIVE_INFINITY,
        ...(writerNice === 0 ? {} : { threadNice: writerNice }),
        maxQueue: 100_000,
        metricsRegistry,
        logger,
      }),
  );
  const stopPools = async (): Promise<void> => {
    await Promise.all([readers.stop(), ...writers.map((writer) => writer.stop())]);
  };
  const probes = new Map<number, MicroshardProbe>();
  const schemas = new SchemaCache();
  let mesh: ClusterMesh | undefined;
  const shardPaths = Array.from({ length: identity.shards }, (_, shardId) =>
    join(options.dataPaths[shardId % options.dataPaths.length]!, 'shards', String(shardId)),
  );
  try {
    const orchestrator = system.spawn(
      nodeOrchestrator({
        nodeId: identity.nodeId,
        shardPaths,
        readers,
        writers,
        autoCreateIndexes: options.autoCreateIndexes ?? true,
        probes,
        metricsRegistry,
        schemas,
      }),
      { registerAs: `orchestrator-${identity.nodeId}` },
    );
    // The orchestrator's first answer comes after every shard opened its store. ListSchemas
    // reads only the orchestrator's memory: no reader thread starts for it.
    await orchestrator.ask({ type: 'ListSchemas' }, { timeoutMs: 10 * 60_000 });
    let cluster: RunningCluster | undefined;
    if (options.cluster !== undefined) {
      const settings = options.cluster;
      mesh = await settings.createMesh({
        nodeId: identity.nodeId,
        shardCount: identity.shards,
        dataPath: firstPath,
        seeds: settings.seeds,
        resolveActor: (name) => system.registry.lookup(name),
      });
      const coordinator = system.spawn(
        clusterCoordinator({
          nodeId: identity.nodeId,
          shardCount: identity.shards,
          dataPath: firstPath,
          mesh,
          orchestrator,
          seeds: settings.seeds,
          metricsRegistry,
          ...(settings.joinTimeoutMs === undefined ? {} : { joinTimeoutMs: settings.joinTimeoutMs }),
          ...(settings.peerTimeoutMs === undefined ? {} : { peerTimeoutMs: settings.peerTimeoutMs }),
          ...(settings.handoff === undefined ? {} : { handoff: settings.handoff }),
        }),
        { registerAs: `coordinator-${identity.nodeId}` },
      );
      cluster = { mesh, coordinator, metrics: new ClusterRouterMetrics(metricsRegistry) };
    }
    const router = system.spawn(
      routerActor({
        local: orchestrator,
        ...(options.routerMailboxLimit === undefined ? {} : { mailboxLimit: options.routerMailboxLimit }),
        ...(options.cluster === undefined || cluster === undefined
          ? {}
          : {
              cluster: {
                nodeId: identity.nodeId,
                orchestrator,
                coordinator: cluster.coordinator,
                mesh: cluster.mesh,
                schemas,
                autoCreateIndexes: options.autoCreateIndexes ?? true,
                metrics: cluster.metrics,
                ...pick(options.cluster, [
                  'fanOutLimit',
                  'rememberedQueries',
                  'peerTimeoutMs',
                  'maxAttempts',
                  'retryBackoffMs',
                ]),
              },
            }),
      }),
      { registerAs: `router-${identity.nodeId}` },
    );
    if (cluster !== undefined) {
      const joinTimeoutMs = options.cluster?.joinTimeoutMs ?? 30_000;
      const joined = await cluster.coordinator.ask(
        { type: 'InitSwarm', seeds: [...(options.cluster?.seeds ?? [])] },
        { timeoutMs: joinTimeoutMs + 30_000 },
      );
      logger.info(
        {
          state: joined.state,
          peers: joined.peers.map((peer) => peer.nodeId),
          addresses: cluster.mesh.addresses(),
        },
        'cluster member started',
      );
    }

    const status = async (): Promise<NodeStatus> => {
      const snapshot = system.snapshot();
      const actorOf = (suffix: string) => snapshot.actors.find((actor) => actor.actor.endsWith(suffix));
      // Stats are read on the reader threads. With none running (no read for
      // readerIdleTimeoutMs) they start for this ask: a slow answer then is not a sick shard.
      const statsTimeoutMs = readers.snapshot().threads === 0 ? COLD_STATUS_TIMEOUT_MS : STATUS_TIMEOUT_MS;
      const shards = await Promise.all(
        shardPaths.map(async (_path, id): Promise<ShardStatus> => {
          const actor = actorOf(`microshard-${id}`);
          const ref = system.registry.lookup(`microshard-${identity.nodeId}-${id}`) as
            ActorRef<ShardRequest, ShardReplies> | undefined;
          let documents = 0;
          let state: ShardStatus['state'] =
            actor === undefined ? 'failed' : actor.status === 'stopping' ? 'stopped' : actor.status;
          if (ref !== undefined && state === 'running') {
            try {
              // Counts only: measuring bytes reads every page of a shard, which on a large
              // index outlasts the deadline and would report a healthy shard as failed.
              const counts = await ref.ask({ type: 'DocumentCountsRequest' }, { timeoutMs: statsTimeoutMs });
              documents = counts.indexes.reduce((sum, index) => sum + index.documents, 0);
            } catch (error) {
              state = 'failed';
              logger.warn({ err: error, shard: id }, 'shard did not answer the health check');
            }
          }
          return { id, state, documents, mailboxDepth: actor?.mailboxDepth ?? 0 };
        }),
      );
      const workerQueueDepths: Record<string, number> = { readers: readers.snapshot().queueDepth };
      for (const writer of writers) workerQueueDepths[writer.name] = writer.snapshot().queueDepth;
      const failed = shards.some((shard) => shard.state === 'failed' || shard.state === 'stopped');
      const settling = shards.some((shard) => shard.state !== 'running');
      return {
        status: failed ? 'red' : settling ? 'yellow' : 'green',
        shards,
        routerMailboxDepth: actorOf('router')?.mailboxDepth ?? 0,
        workerQueueDepths,
      };
    };

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        try {
          // Leave the mesh first: peers see us go (their asks fail fast) before the stores close.
          if (mesh !== undefined) await mesh.stop();
          await system.stop();
        } finally {
          await stopPools();
        }
        logger.info('node stopped');
      })());

    return {
      identity,
      system,
      router,
      orchestrator,
      metricsRegistry,
      ...(cluster === undefined ? {} : { cluster }),
      status,
      stop,
    };
  } catch (error) {
    if (mesh !== undefined) {
      await mesh.stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'stopping the mesh'));
    }
    await system
      .stop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, 'stopping after a failed start'));
    await stopPools();
    throw error;
  }
}

/** The entries of `source` named in `keys` that are defined. */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
