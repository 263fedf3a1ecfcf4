/**
 * Messages between the nodes of a cluster that are not client operations: schema
 * installation and listing on a NodeOrchestrator, cluster-wide schema changes serialised by
 * the ring owner's ClusterCoordinator, batch routing, and the coordinator's own membership
 * events, and rebalancing (scan, handoff, release of handed-off copies, handoff progress
 * and sources). Replies are in `OrchestratorClusterReplies` and `CoordinatorClusterReplies`.
 * @module
 */
import { z } from 'zod';
import { corpusStatisticsSchema, indexSchemaSchema, jsonObjectSchema, wireErrorSchema } from './common.js';
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

/**
 * A document as rebalancing moves it: id, content, version, stored routing key, and the
 * hybrid logical clock stamp of the write that made it (absent from a node that predates
 * stamps: 0, older than any stamped write).
 */
const handedOffDocumentSchema = z.object({
  id: z.string().min(1),
  doc: jsonObjectSchema,
  version: z.number().int().nonnegative(),
  routingKey: z.string().optional(),
  stamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});

/**
 * Rebalancing, on the node handing off: one page of an index's documents on one of this
 * node's shards, in id order after `afterId`. Asked of the node's own orchestrator.
 */
export const ScanDocuments = defineMessage(
  'ScanDocuments',
  z.object({
    type: z.literal('ScanDocuments'),
    index: z.string().min(1),
    shardId: z.number().int().nonnegative(),
    afterId: z.string().optional(),
    limit: z.number().int().positive().max(10_000),
  }),
);
/** Scan a page of a shard's documents. */
export type ScanDocuments = MessageOf<typeof ScanDocuments>;

/** Reply to ScanDocuments; `next` is absent on the last page. */
export const DocumentsScanned = defineMessage(
  'DocumentsScanned',
  z.object({
    type: z.literal('DocumentsScanned'),
    documents: z.array(handedOffDocumentSchema),
    next: z.string().optional(),
  }),
);
/** Reply to ScanDocuments. */
export type DocumentsScanned = MessageOf<typeof DocumentsScanned>;

/**
 * Rebalancing, on the new owner: documents of `index` handed off by their previous owner.
 * Each is applied (with its version and stamp) only when its stamp is newer than both this
 * node's live document with its id (which it replaces) and the tombstone of a delete of it;
 * otherwise it is skipped, so whichever write or delete came last wins. Asked of
 * `orchestrator-<nodeId>`.
 */
export const AcceptHandoff = defineMessage(
  'AcceptHandoff',
  z.object({
    type: z.literal('AcceptHandoff'),
    index: z.string().min(1),
    items: z.array(handedOffDocumentSchema).max(10_000),
  }),
);
/** Documents handed off to their new owner. */
export type AcceptHandoff = MessageOf<typeof AcceptHandoff>;

/**
 * Reply to AcceptHandoff: every item not in `failed` is durable here or was deliberately
 * skipped, so the sender may delete its copy.
 */
export const HandoffAccepted = defineMessage(
  'HandoffAccepted',
  z.object({
    type: z.literal('HandoffAccepted'),
    adopted: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    failed: z.array(z.object({ id: z.string(), error: wireErrorSchema })),
    /**
     * Of `adopted`, the copies that replaced an older live document here: both nodes had
     * taken a write of the id (the sender's ring had not learnt of this node yet).
     */
    replaced: z.number().int().nonnegative().optional(),
  }),
);
/** Reply to AcceptHandoff. */
export type HandoffAccepted = MessageOf<typeof HandoffAccepted>;

/**
 * Rebalancing, on the node handing off: delete the local copies of documents the new owner
 * acknowledged, each only if it still has the version that was sent (a write that reached
 * this node meanwhile keeps it for the next pass). No tombstone. Asked of the node's own orchestrator.
 */
export const ReleaseHandedOff = defineMessage(
  'ReleaseHandedOff',
  z.object({
    type: z.literal('ReleaseHandedOff'),
    index: z.string().min(1),
    shardId: z.number().int().nonnegative(),
    items: z.array(z.object({ id: z.string().min(1), version: z.number().int().nonnegative() })),
  }),
);
/** Delete acknowledged handed-off copies. */
export type ReleaseHandedOff = MessageOf<typeof ReleaseHandedOff>;

/** Reply to ReleaseHandedOff. */
export const HandedOffReleased = defineMessage(
  'HandedOffReleased',
  z.object({
    type: z.literal('HandedOffReleased'),
    removed: z.number().int().nonnegative(),
    /** Changed since they were sent: kept for the next pass. */
    kept: z.number().int().nonnegative(),
  }),
);
/** Reply to ReleaseHandedOff. */
export type HandedOffReleased = MessageOf<typeof HandedOffReleased>;

/** Every cluster message a NodeOrchestrator accepts besides the client operations. */
export type OrchestratorClusterRequest =
  InstallSchema | ListSchemas | CollectSearchStatistics | ScanDocuments | AcceptHandoff | ReleaseHandedOff;

/** Replies of the orchestrator's cluster messages, by `type`. */
export interface OrchestratorClusterReplies {
  InstallSchema: SchemaInstalled;
  ListSchemas: SchemaList;
  CollectSearchStatistics: SearchStatistics;
  ScanDocuments: DocumentsScanned;
  AcceptHandoff: HandoffAccepted;
  ReleaseHandedOff: HandedOffReleased;
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

/**
 * Rebalancing: a node tells every peer's coordinator that it started (`active`) or finished
 * handing documents off, so their routers look for not-yet-moved documents on it. Repeated
 * while active; an entry not refreshed for a while expires.
 */
export const HandoffProgress = defineMessage(
  'HandoffProgress',
  z.object({
    type: z.literal('HandoffProgress'),
    nodeId: z.string(),
    active: z.boolean(),
    pendingDocuments: z.number().int().nonnegative(),
    /**
     * Increases with every announcement of the node (also across its restarts): announcements
     * travel as separate asks and may arrive out of order; an older one is ignored.
     */
    sequence: z.number().int().nonnegative(),
  }),
);
/** A node's handoff started, progressed or finished. */
export type HandoffProgress = MessageOf<typeof HandoffProgress>;

/** Reply to HandoffProgress. */
export const HandoffProgressNoted = defineMessage(
  'HandoffProgressNoted',
  z.object({ type: z.literal('HandoffProgressNoted') }),
);
/** Reply to HandoffProgress. */
export type HandoffProgressNoted = MessageOf<typeof HandoffProgressNoted>;

/**
 * Where a keyed read or delete that missed on its owner must look too: the nodes that may
 * still hold documents they have not handed off (those handing off, and every live node
 * shortly after the ring changed). Asked of this node's coordinator.
 */
export const GetHandoffSources = defineMessage(
  'GetHandoffSources',
  z.object({ type: z.literal('GetHandoffSources') }),
);
/** Ask for the nodes that may still hold documents they no longer own. */
export type GetHandoffSources = MessageOf<typeof GetHandoffSources>;

/** Reply to GetHandoffSources: `available` are up now, `unavailable` are down. */
export const HandoffSources = defineMessage(
  'HandoffSources',
  z.object({
    type: z.literal('HandoffSources'),
    available: z.array(z.string()),
    unavailable: z.array(z.string()),
  }),
);
/** Reply to GetHandoffSources. */
export type HandoffSources = MessageOf<typeof HandoffSources>;

/**
 * Remove a member that is down for good (its disk lost) from the ring: its keys go to the
 * other members. With `propagate`, the node asked tells every other live member too.
 */
export const RemoveMember = defineMessage(
  'RemoveMember',
  z.object({ type: z.literal('RemoveMember'), nodeId: z.string().min(1), propagate: z.boolean() }),
);
/** Remove a member that is down for good. */
export type RemoveMember = MessageOf<typeof RemoveMember>;

/** Reply to RemoveMember: the members left, and which peers were told (or not). */
export const MemberRemoved = defineMessage(
  'MemberRemoved',
  z.object({
    type: z.literal('MemberRemoved'),
    nodeId: z.string(),
    /** False when this node had already removed it. */
    removed: z.boolean(),
    members: z.array(z.string()),
    notified: z.array(z.string()),
    failed: z.array(z.object({ nodeId: z.string(), error: z.string() })),
  }),
);
/** Reply to RemoveMember. */
export type MemberRemoved = MessageOf<typeof MemberRemoved>;

/**
 * Decommission a member: it leaves the ring (its keys go to the others) but stays a member
 * that is asked and searched until its rebalancing handoff has moved every document it holds.
 * Sent to the leaving node itself (`nodeId` its own id), which tells every live member; a
 * member told by it gets `propagate: false`.
 */
export const DecommissionMember = defineMessage(
  'DecommissionMember',
  z.object({ type: z.literal('DecommissionMember'), nodeId: z.string().min(1), propagate: z.boolean() }),
);
/** Decommission a member. */
export type DecommissionMember = MessageOf<typeof DecommissionMember>;

/** Reply to DecommissionMember: the ring's members now, and which peers were told (or not). */
export const MemberLeaving = defineMessage(
  'MemberLeaving',
  z.object({
    type: z.literal('MemberLeaving'),
    nodeId: z.string(),
    /** The ring's members without the leaving ones. */
    ringMembers: z.array(z.string()),
    notified: z.array(z.string()),
    failed: z.array(z.object({ nodeId: z.string(), error: z.string() })),
  }),
);
/** Reply to DecommissionMember. */
export type MemberLeaving = MessageOf<typeof MemberLeaving>;

/** Every cluster message a ClusterCoordinator accepts besides its base protocol. */
export type CoordinatorClusterRequest =
  | ChangeSchema
  | RouteKeys
  | GetRing
  | PeerJoined
  | PeerLost
  | HandoffProgress
  | GetHandoffSources
  | RemoveMember
  | DecommissionMember;

/** Replies of the coordinator's cluster messages, by `type`. */
export interface CoordinatorClusterReplies {
  ChangeSchema: SchemaChanged;
  RouteKeys: RouteKeysResult;
  GetRing: RingSnapshot;
  PeerJoined: undefined;
  PeerLost: undefined;
  HandoffProgress: HandoffProgressNoted;
  GetHandoffSources: HandoffSources;
  RemoveMember: MemberRemoved;
  DecommissionMember: MemberLeaving;
}
