/**
 * The contract between the HTTP gateway and the node it fronts. The gateway talks only to
 * a NodeHandle: it asks the router, reads health and metrics, and stops the node.
 * @module
 */
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ActorRef, ClusterTrafficSnapshot } from '../../actors/index.js';
import type {
  ClientOp,
  ClientReplies,
  ClusterStatus,
  MemberLeaving,
  MemberRemoved,
  RingSnapshot,
} from '../../messages/index.js';
import type { ServerConfig } from './config.js';

/** Lifecycle state of one microshard. */
export type ShardState = 'starting' | 'running' | 'recovering' | 'restarting' | 'failed' | 'stopped';

/** Health of one microshard. */
export interface ShardHealth {
  /** Shard number on this node, 0-based. */
  readonly id: number;
  readonly state: ShardState;
  /** Documents stored in the shard, all indexes together. */
  readonly documents: number;
  /** Messages waiting in the shard actor's mailbox. */
  readonly mailboxDepth: number;
}

/**
 * Health of the node: `green` when every shard runs, `yellow` when some shard is starting,
 * recovering or restarting, `red` when a shard failed or the node cannot serve.
 */
export interface NodeHealth {
  readonly status: 'green' | 'yellow' | 'red';
  readonly shards: readonly ShardHealth[];
  /** Messages waiting in the RouterActor's mailbox (work the node accepted but has not started). */
  readonly routerMailboxDepth: number;
  /** Tasks queued in each storage worker pool, by pool name (e.g. `writers`, `readers`). */
  readonly workerQueueDepths: Readonly<Record<string, number>>;
}

/** A running node as the gateway sees it. */
export interface NodeHandle {
  /** Ingress for every client operation. */
  readonly router: ActorRef<ClientOp, ClientReplies>;
  readonly nodeId: string;
  readonly nodeName: string;
  /** Current health; must answer quickly (no storage round trip per shard is required). */
  health(): Promise<NodeHealth>;
  /**
   * The node's Prometheus registry. The gateway keeps its own registry and merges both at
   * scrape time, so metric names must not collide with the gateway's (`cameodb_http_*`,
   * `cameodb_gateway_*`, and the default process metrics unless the node collects them).
   */
  readonly metrics: Registry;
  /** Drains the node's queued work and closes its stores. Called once, after HTTP has drained. */
  stop(): Promise<void>;
  /** Present when the node is a cluster member (`--cluster-enabled`). */
  readonly cluster?: ClusterHandle;
}

/** The cluster as the gateway's admin routes see it. */
export interface ClusterHandle {
  /** The ring's members other than this node, their health, and the cluster state. */
  status(): Promise<ClusterStatus>;
  /** The ring's virtual nodes. */
  ring(): Promise<RingSnapshot>;
  /** Broadcasts, failures, retries, remote timeouts and per-peer latency since start. */
  traffic(): ClusterTrafficSnapshot;
  /** The addresses peers can dial. */
  addresses(): string[];
  /** Removes a member that is down for good from every live member's ring. */
  removeMember(nodeId: string): Promise<MemberRemoved>;
  /** Starts decommissioning a live member: it leaves the ring and hands every document off. */
  decommission(nodeId: string): Promise<MemberLeaving>;
}

/** Builds and starts a node from the server configuration. */
export type NodeFactory = (config: ServerConfig, logger: Logger) => Promise<NodeHandle>;
