/**
 * Messages between the nodes of a cluster that are not client operations: schema
 * installation and listing on a NodeOrchestrator, cluster-wide schema changes serialised by
 * the ring owner's ClusterCoordinator, batch routing, and the coordinator's own membership
 * events. Replies are in `OrchestratorClusterReplies` and `CoordinatorClusterReplies`.
 * @module
 */
import { z } from 'zod';
import { corpusStatisticsSchema, indexSchemaSchema, jsonObjectSchema } from './common.js';
import { defineMessage, type MessageOf } from './registry.js';

/**
 * Install a schema decided by the index's schema owner on every shard of this node, when
 * its content (fields, search fields, routing field, dynamic) differs from this node's.
 * Versions are per-store counters, so content decides. Asked of `orchestrator-<nodeId>`.
 */
export const InstallSchema = defineMessage(
  'InstallSchema',
  z.object({
    type: z.literal('InstallSchema'),
    schema: indexSchemaSchema,
    /**
     * Pull on join: install only when the content differs and `schema.version` is above this
     * node's. Without it (a push from the schema owner) a differing content always wins.
     */
    onlyIfNewer: z.boolean().optional(),
  }),
);
/** Install a schema decided elsewhere. */
export type InstallSchema = MessageOf<typeof InstallSchema>;

/** Reply to InstallSchema: the schema this node now holds and whether it changed. */
export const SchemaInstalled = defineMessage(
  'SchemaInstalled',
  z.object({ type: z.literal('SchemaInstalled'), schema: indexSchemaSchema, changed: z.boolean() }),
);
/** Reply to InstallSchema. */
export type SchemaInstalled = MessageOf<typeof SchemaInstalled>;

/** Every schema this node holds (a joining node pulls them). Asked of `orchestrator-<nodeId>`. */
export const ListSchemas = defineMessage('ListSchemas', z.object({ type: z.literal('ListSchemas') }));
/** List the schemas. */
export type ListSchemas = MessageOf<typeof ListSchemas>;

/** Reply to ListSchemas. */
export const SchemaList = defineMessage(
  'SchemaList',
  z.object({ type: z.literal('SchemaList'), schemas: z.array(indexSchemaSchema) }),
);
/** Reply to ListSchemas. */
export type SchemaList = MessageOf<typeof SchemaList>;

/**
 * The first phase of a cluster search: this node's BM25 statistics for `query` in `index`
 * (documents, tokens, and the documents of each query phrase, summed over its shards). The
 * asking node sums every node's and sends them with the Search, so every node ranks with
 * the statistics of the whole index. Asked of `orchestrator-<nodeId>`.
 */
export const CollectSearchStatistics = defineMessage(
  'CollectSearchStatistics',
  z.object({ type: z.literal('CollectSearchStatistics'), index: z.string().min(1), query: z.string() }),
);
/** Ask a node for its BM25 statistics of a query. */
export type CollectSearchStatistics = MessageOf<typeof CollectSearchStatistics>;

/** Reply to CollectSearchStatistics: the node's statistics and how many of its shards failed. */
export const SearchStatistics = defineMessage(
  'SearchStatistics',
  z.object({
    type: z.literal('SearchStatistics'),
    statistics: corpusStatisticsSchema,
    totalShards: z.number().int().nonnegative(),
    failedShards: z.number().int().nonnegative(),
  }),
);
/** Reply to CollectSearchStatistics. */
export type SearchStatistics = MessageOf<typeof SearchStatistics>;

/** Every cluster message a NodeOrchestrator accepts besides the client operations. */
export type OrchestratorClusterRequest = InstallSchema | ListSchemas | CollectSearchStatistics;

/** Replies of the orchestrator's cluster messages, by `type`. */
export interface OrchestratorClusterReplies {
  InstallSchema: SchemaInstalled;
  ListSchemas: SchemaList;
  CollectSearchStatistics: SearchStatistics;
}

/**
 * A schema change, asked of the coordinator of the node owning the key `schema:<index>`
 * on the ring. That coordinator serialises the index's changes and installs the result on
 * every live node before it replies.
 */
export const ChangeSchema = defineMessage(
  'ChangeSchema',
  z.object({
    type: z.literal('ChangeSchema'),
    index: z.string().min(1),
    change: z.discriminatedUnion('kind', [
      /** Create or replace the schema (CreateConfig). */
      z.object({ kind: z.literal('create'), schema: indexSchemaSchema }),
      /** Add the fields these documents bring (schema evolution from writes). */
      z.object({ kind: z.literal('evolve'), docs: z.array(jsonObjectSchema), autoCreate: z.boolean() }),
      /** Drop the index everywhere. */
      z.object({ kind: z.literal('drop') }),
    ]),
  }),
);
/** A cluster-wide schema change. */
export type ChangeSchema = MessageOf<typeof ChangeSchema>;

/** Reply to ChangeSchema. */
export const SchemaChanged = defineMessage(
  'SchemaChanged',
  z.object({
    type: z.literal('SchemaChanged'),
    /** The schema after the change (absent after a drop). */
    schema: indexSchemaSchema.optional(),
    /** create: the index did not exist before. */
    created: z.boolean(),
    /** drop: the index existed somewhere. */
    dropped: z.boolean(),
    /** Nodes that did not acknowledge (down or timed out); they pull the schema when they rejoin. */
    unreachable: z.array(z.string()),
  }),
);
/** Reply to ChangeSchema. */
export type SchemaChanged = MessageOf<typeof SchemaChanged>;

/** Owners of many routing keys at once (a bulk write is split by owner with one ask). */
export const RouteKeys = defineMessage(
  'RouteKeys',
  z.object({ type: z.literal('RouteKeys'), routingKeys: z.array(z.string()) }),
);
/** Owners of many routing keys. */
export type RouteKeys = MessageOf<typeof RouteKeys>;

/** Reply to RouteKeys: `owners[i]` owns `routingKeys[i]`. */
export const RouteKeysResult = defineMessage(
  'RouteKeysResult',
  z.object({
    type: z.literal('RouteKeysResult'),
    owners: z.array(z.object({ nodeId: z.string(), shardId: z.number().int().nonnegative() })),
    /** Owners that are down now. */
    unavailable: z.array(z.string()),
  }),
);
/** Reply to RouteKeys. */
export type RouteKeysResult = MessageOf<typeof RouteKeysResult>;

/** The ring's virtual nodes (cluster admin API). */
export const GetRing = defineMessage('GetRing', z.object({ type: z.literal('GetRing') }));
/** The ring's virtual nodes. */
export type GetRing = MessageOf<typeof GetRing>;

/** Reply to GetRing. */
export const RingSnapshot = defineMessage(
  'RingSnapshot',
  z.object({
    type: z.literal('RingSnapshot'),
    virtualNodesPerNode: z.number().int().positive(),
    members: z.array(z.object({ nodeId: z.string(), shardCount: z.number().int().positive() })),
    tokens: z.array(
      z.object({ token: z.number().int().nonnegative(), nodeId: z.string(), shardId: z.number().int() }),
    ),
  }),
);
/** Reply to GetRing. */
export type RingSnapshot = MessageOf<typeof RingSnapshot>;

/** A peer completed its handshake (told by the mesh listener, local only). */
export const PeerJoined = defineMessage(
  'PeerJoined',
  z.object({
    type: z.literal('PeerJoined'),
    nodeId: z.string(),
    peerId: z.string(),
    addresses: z.array(z.string()),
    shardCount: z.number().int().nonnegative(),
  }),
);
/** A peer joined. */
export type PeerJoined = MessageOf<typeof PeerJoined>;

/** The last connection to a peer closed (told by the mesh listener, local only). */
export const PeerLost = defineMessage(
  'PeerLost',
  z.object({ type: z.literal('PeerLost'), nodeId: z.string() }),
);
/** A peer was lost. */
export type PeerLost = MessageOf<typeof PeerLost>;

/** Every cluster message a ClusterCoordinator accepts besides its base protocol. */
export type CoordinatorClusterRequest = ChangeSchema | RouteKeys | GetRing | PeerJoined | PeerLost;

/** Replies of the coordinator's cluster messages, by `type`. */
export interface CoordinatorClusterReplies {
  ChangeSchema: SchemaChanged;
  RouteKeys: RouteKeysResult;
  GetRing: RingSnapshot;
  PeerJoined: undefined;
  PeerLost: undefined;
}
