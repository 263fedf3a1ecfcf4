/**
 * The ClusterCoordinator's protocol: peers, shard assignments and routing decisions.
 * Replies are in `CoordinatorReplies`.
 * @module
 */
import { z } from 'zod';
import { defineMessage, type MessageOf } from './registry.js';

const peerSchema = z.object({
  nodeId: z.string(),
  peerId: z.string(),
  addresses: z.array(z.string()),
  shards: z.array(z.number().int().nonnegative()),
  healthy: z.boolean(),
  lastSeenMs: z.number().nonnegative(),
});
/** What a node knows about one peer. */
export type PeerInfo = z.infer<typeof peerSchema>;

/** Start the libp2p mesh and dial the seeds. */
export const InitSwarm = defineMessage(
  'InitSwarm',
  z.object({ type: z.literal('InitSwarm'), seeds: z.array(z.string()) }),
);
/** Start the mesh. */
export type InitSwarm = MessageOf<typeof InitSwarm>;

/** Leave the mesh. */
export const ShutdownSwarm = defineMessage('ShutdownSwarm', z.object({ type: z.literal('ShutdownSwarm') }));
/** Leave the mesh. */
export type ShutdownSwarm = MessageOf<typeof ShutdownSwarm>;

/** Look for peers now (seeds and the DHT) instead of waiting for the next round. */
export const DiscoverPeers = defineMessage('DiscoverPeers', z.object({ type: z.literal('DiscoverPeers') }));
/** Look for peers now. */
export type DiscoverPeers = MessageOf<typeof DiscoverPeers>;

/** The cluster's state as this node sees it. */
export const GetStatus = defineMessage('GetStatus', z.object({ type: z.literal('GetStatus') }));
/** The cluster's state. */
export type GetStatus = MessageOf<typeof GetStatus>;

/** Tell the coordinator which shards a node serves. */
export const RegisterLocalShards = defineMessage(
  'RegisterLocalShards',
  z.object({
    type: z.literal('RegisterLocalShards'),
    nodeId: z.string(),
    shards: z.array(z.number().int().nonnegative()),
  }),
);
/** Register a node's shards. */
export type RegisterLocalShards = MessageOf<typeof RegisterLocalShards>;

/** Where should this operation go? */
export const RouteOperation = defineMessage(
  'RouteOperation',
  z.object({
    type: z.literal('RouteOperation'),
    /** keyed: one owner by routing key; broadcast: every node (unkeyed search, metadata). */
    scope: z.enum(['keyed', 'broadcast']),
    index: z.string(),
    routingKey: z.string().optional(),
  }),
);
/** Where should this operation go? */
export type RouteOperation = MessageOf<typeof RouteOperation>;

/** The peers this node knows. */
export const GetKnownPeers = defineMessage('GetKnownPeers', z.object({ type: z.literal('GetKnownPeers') }));
/** The peers this node knows. */
export type GetKnownPeers = MessageOf<typeof GetKnownPeers>;

/** A plain acknowledgement. */
export const Ack = defineMessage('Ack', z.object({ type: z.literal('Ack') }));
/** A plain acknowledgement. */
export type Ack = MessageOf<typeof Ack>;

/** Reply to GetKnownPeers and DiscoverPeers. */
export const KnownPeers = defineMessage(
  'KnownPeers',
  z.object({
    type: z.literal('KnownPeers'),
    peers: z.array(peerSchema),
    /** Members removed for good: a node that missed the removal drops them too. */
    removed: z.array(z.string()).optional(),
    /** Members being decommissioned (off the ring, still members). */
    leaving: z.array(z.string()).optional(),
  }),
);
/** Reply to GetKnownPeers and DiscoverPeers. */
export type KnownPeers = MessageOf<typeof KnownPeers>;

/** Reply to GetStatus and InitSwarm. */
export const ClusterStatus = defineMessage(
  'ClusterStatus',
  z.object({
    type: z.literal('ClusterStatus'),
    nodeId: z.string(),
    state: z.enum(['Active', 'Degraded', 'Failed']),
    peers: z.array(peerSchema),
    ringSize: z.number().int().nonnegative(),
    /** Members being decommissioned (this node included when it is leaving). */
    leaving: z.array(z.string()).optional(),
    /**
     * Rebalancing after a node joined: whether this node is handing documents off, how many
     * it found to move and has not had acknowledged yet, how many it moved since it started,
     * and the nodes it knows to be handing off (itself included).
     */
    rebalancing: z
      .object({
        active: z.boolean(),
        pendingDocuments: z.number().int().nonnegative(),
        handedOffDocuments: z.number().int().nonnegative(),
        nodes: z.array(z.string()),
      })
      .optional(),
  }),
);
/** Reply to GetStatus and InitSwarm. */
export type ClusterStatus = MessageOf<typeof ClusterStatus>;

/** Reply to RouteOperation. */
export const RouteDecision = defineMessage(
  'RouteDecision',
  z.discriminatedUnion('route', [
    z.object({
      type: z.literal('RouteDecision'),
      route: z.literal('Local'),
      shardId: z.number().int().nonnegative(),
    }),
    z.object({
      type: z.literal('RouteDecision'),
      route: z.literal('Remote'),
      nodeId: z.string(),
      shardId: z.number().int().nonnegative(),
      /** False when the owner is down now (its keys stay on the ring; the caller answers 503). */
      available: z.boolean().optional(),
    }),
    z.object({
      type: z.literal('RouteDecision'),
      route: z.literal('Broadcast'),
      nodeIds: z.array(z.string()),
      /** Each node's shard count and whether it is up (a down node's shards count as failed). */
      nodes: z
        .array(
          z.object({
            nodeId: z.string(),
            shardCount: z.number().int().nonnegative(),
            available: z.boolean(),
          }),
        )
        .optional(),
    }),
  ]),
);
/** Reply to RouteOperation. */
export type RouteDecision = MessageOf<typeof RouteDecision>;

/** Every message the ClusterCoordinator accepts. */
export type CoordinatorRequest =
  | InitSwarm
  | ShutdownSwarm
  | DiscoverPeers
  | GetStatus
  | RegisterLocalShards
  | RouteOperation
  | GetKnownPeers;

/** The reply type of each coordinator request, by its `type`. */
export interface CoordinatorReplies {
  InitSwarm: ClusterStatus;
  ShutdownSwarm: Ack;
  DiscoverPeers: KnownPeers;
  GetStatus: ClusterStatus;
  RegisterLocalShards: Ack;
  RouteOperation: RouteDecision;
  GetKnownPeers: KnownPeers;
}
