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
import type { MicroshardProbe } from '../microshard/microshard-actor.js';
import { nodeOrchestrator } from '../orchestrator/node-orchestrator.js';
import type { ActorRef } from '../ref.js';
import { routerActor } from '../router/router-actor.js';
import { createActorSystem, createWorkerPool, type ActorSystem } from '../runtime/index.js';
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
  /** Reader threads shared by all shards (default 2). */
  readonly readerThreads?: number;
  /** Operations waiting in the router before new ones get OverloadedError (default 10000). */
  readonly routerMailboxLimit?: number;
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
  /** Current health; every shard is asked for its counts with a short deadline. */
  status(): Promise<NodeStatus>;
  /** Stops the router, the orchestrator and its shards (closing the stores), then the reader threads. */
  stop(): Promise<void>;
}

const STATUS_TIMEOUT_MS = 1_000;

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
    maxQueue: 10_000,
    metricsRegistry,
    logger,
  });
  const probes = new Map<number, MicroshardProbe>();
  const shardPaths = Array.from({ length: identity.shards }, (_, shardId) =>
    join(options.dataPaths[shardId % options.dataPaths.length]!, 'shards', String(shardId)),
  );
  try {
    const orchestrator = system.spawn(
      nodeOrchestrator({
        nodeId: identity.nodeId,
        shardPaths,
        readers,
        autoCreateIndexes: options.autoCreateIndexes ?? true,
        probes,
        metricsRegistry,
      }),
      { registerAs: `orchestrator-${identity.nodeId}` },
    );
    // The orchestrator's first answer comes after every shard opened its store.
    await orchestrator.ask({ type: 'ListIndexes' }, { timeoutMs: 10 * 60_000 });
    const router = system.spawn(
      routerActor({
        local: orchestrator,
        ...(options.routerMailboxLimit === undefined ? {} : { mailboxLimit: options.routerMailboxLimit }),
      }),
      { registerAs: `router-${identity.nodeId}` },
    );

    const status = async (): Promise<NodeStatus> => {
      const snapshot = system.snapshot();
      const actorOf = (suffix: string) => snapshot.actors.find((actor) => actor.actor.endsWith(suffix));
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
              const stats = await ref.ask({ type: 'StatsRequest' }, { timeoutMs: STATUS_TIMEOUT_MS });
              documents = stats.indexes.reduce((sum, index) => sum + index.documents, 0);
            } catch {
              state = 'failed';
            }
          }
          return { id, state, documents, mailboxDepth: actor?.mailboxDepth ?? 0 };
        }),
      );
      const workerQueueDepths: Record<string, number> = { readers: readers.snapshot().queueDepth };
      for (const [id, probe] of probes) workerQueueDepths[`writer-${id}`] = probe.writer().queueDepth;
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
          await system.stop();
        } finally {
          await readers.stop();
        }
        logger.info('node stopped');
      })());

    return { identity, system, router, orchestrator, metricsRegistry, status, stop };
  } catch (error) {
    await system
      .stop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, 'stopping after a failed start'));
    await readers.stop();
    throw error;
  }
}
