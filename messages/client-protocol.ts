/**
 * The client operations: what the HTTP gateway asks the RouterActor, and what the router
 * asks a NodeOrchestrator (local or on another node). Replies are in `ClientReplies`.
 * @module
 */
import { z } from 'zod';
import { defineMessage, type MessageOf } from './registry.js';
import {
  indexSchemaSchema,
  jsonObjectSchema,
  searchHitSchema,
  searchSpecSchema,
  corpusStatisticsSchema,
  wireErrorSchema,
} from './common.js';

const index = z.string().min(1);
const documentKey = z.string().min(1);
const routingKey = z.string().min(1).optional();
/**
 * How many routers have sent this write on so far (cluster-internal; clients leave it out).
 * A router whose ring says another node owns the key forwards it only while this is below
 * MAX_ROUTER_HOPS, so routers with different rings cannot pass it around for ever.
 */
const routerHops = z.number().int().nonnegative().max(8).optional();

/** The most routers a keyed write passes through (the first router's send is hop 1). */
export const MAX_ROUTER_HOPS = 2;
const itemError = z.object({
  position: z.number().int().nonnegative(),
  id: z.string(),
  error: wireErrorSchema,
});

/** Upsert one document, routed by routing key (schema field, `routingKey`, then id). */
export const Write = defineMessage(
  'Write',
  z.object({
    type: z.literal('Write'),
    index,
    id: documentKey,
    routingKey,
    doc: jsonObjectSchema,
    requestId: z.string().optional(),
    routerHops,
  }),
);
/** Upsert one document. */
export type Write = MessageOf<typeof Write>;

/** Reply to Write. */
export const WriteResult = defineMessage(
  'WriteResult',
  z.object({
    type: z.literal('WriteResult'),
    id: z.string(),
    result: z.enum(['created', 'updated']),
    version: z.number().int().nonnegative(),
    shardId: z.number().int().nonnegative(),
    nodeId: z.string(),
  }),
);
/** Reply to Write. */
export type WriteResult = MessageOf<typeof WriteResult>;

/** Upsert many documents; results keep the caller's positions. */
export const BulkWrite = defineMessage(
  'BulkWrite',
  z.object({
    type: z.literal('BulkWrite'),
    index,
    items: z.array(z.object({ id: documentKey, routingKey, doc: jsonObjectSchema })),
    requestId: z.string().optional(),
    routerHops,
  }),
);
/** Upsert many documents. */
export type BulkWrite = MessageOf<typeof BulkWrite>;

/** Reply to BulkWrite. */
export const BulkWriteResult = defineMessage(
  'BulkWriteResult',
  z.object({
    type: z.literal('BulkWriteResult'),
    itemsReceived: z.number().int().nonnegative(),
    itemsWritten: z.number().int().nonnegative(),
    errors: z.array(itemError),
  }),
);
/** Reply to BulkWrite. */
export type BulkWriteResult = MessageOf<typeof BulkWriteResult>;

/** Delete one document. */
export const Delete = defineMessage(
  'Delete',
  z.object({
    type: z.literal('Delete'),
    index,
    id: documentKey,
    routingKey,
    requestId: z.string().optional(),
    routerHops,
  }),
);
/** Delete one document. */
export type Delete = MessageOf<typeof Delete>;

/** Reply to Delete. */
export const DeleteResult = defineMessage(
  'DeleteResult',
  z.object({
    type: z.literal('DeleteResult'),
    id: z.string(),
    result: z.enum(['deleted', 'not_found']),
    version: z.number().int().nonnegative(),
    shardId: z.number().int().nonnegative(),
    nodeId: z.string(),
  }),
);
/** Reply to Delete. */
export type DeleteResult = MessageOf<typeof DeleteResult>;

/** Delete many documents. */
export const BulkDelete = defineMessage(
  'BulkDelete',
  z.object({
    type: z.literal('BulkDelete'),
    index,
    items: z.array(z.object({ id: documentKey, routingKey })),
    requestId: z.string().optional(),
    routerHops,
  }),
);
/** Delete many documents. */
export type BulkDelete = MessageOf<typeof BulkDelete>;

/** Reply to BulkDelete. */
export const BulkDeleteResult = defineMessage(
  'BulkDeleteResult',
  z.object({
    type: z.literal('BulkDeleteResult'),
    itemsReceived: z.number().int().nonnegative(),
    itemsDeleted: z.number().int().nonnegative(),
    errors: z.array(itemError),
  }),
);
/** Reply to BulkDelete. */
export type BulkDeleteResult = MessageOf<typeof BulkDeleteResult>;

/** Read one document. */
export const Get = defineMessage(
  'Get',
  z.object({ type: z.literal('Get'), index, id: documentKey, routingKey }),
);
/** Read one document. */
export type Get = MessageOf<typeof Get>;

/** Reply to Get. */
export const GetResult = defineMessage(
  'GetResult',
  z.object({
    type: z.literal('GetResult'),
    id: z.string(),
    found: z.boolean(),
    doc: jsonObjectSchema.optional(),
    version: z.number().int().nonnegative().optional(),
    /**
     * The version's hybrid logical clock stamp: a read repair (rebalancing) hands it on with
     * the copy, so the owner orders it like the handoff would. Not part of the HTTP API.
     */
    stamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    shardId: z.number().int().nonnegative(),
    nodeId: z.string(),
  }),
);
/** Reply to Get. */
export type GetResult = MessageOf<typeof GetResult>;

/** Search an index across every shard (and, in a cluster, every node). */
export const Search = defineMessage(
  'Search',
  z.object({
    type: z.literal('Search'),
    index,
    search: searchSpecSchema,
    /**
     * BM25 statistics of the whole index, set by the node that fans a search out to the
     * cluster (gathered with CollectSearchStatistics); absent, a node ranks with its own.
     */
    statistics: corpusStatisticsSchema.optional(),
    /**
     * Also answer this node's own statistics for the query (SearchResult.statistics): the
     * fanning-out node ranked with remembered statistics and checks them against the sum.
     */
    reportStatistics: z.boolean().optional(),
  }),
);
/** Search an index. */
export type Search = MessageOf<typeof Search>;

/** A search whose hits the gateway streams out as NDJSON. */
export const Stream = defineMessage(
  'Stream',
  z.object({
    type: z.literal('Stream'),
    index,
    search: searchSpecSchema,
    /**
     * BM25 statistics of the whole index, set by the node that fans a search out to the
     * cluster (gathered with CollectSearchStatistics); absent, a node ranks with its own.
     */
    statistics: corpusStatisticsSchema.optional(),
    /**
     * Also answer this node's own statistics for the query (SearchResult.statistics): the
     * fanning-out node ranked with remembered statistics and checks them against the sum.
     */
    reportStatistics: z.boolean().optional(),
  }),
);
/** A streamed search. */
export type Stream = MessageOf<typeof Stream>;

/** Reply to Search and Stream: merged hits, offset applied after the merge. */
export const SearchResult = defineMessage(
  'SearchResult',
  z.object({
    type: z.literal('SearchResult'),
    hits: z.array(searchHitSchema),
    totalHits: z.number().int().nonnegative(),
    totalShards: z.number().int().nonnegative(),
    failedShards: z.number().int().nonnegative(),
    nodesContacted: z.number().int().nonnegative(),
    /** With `reportStatistics`: the answering node's own BM25 statistics for the query. */
    statistics: corpusStatisticsSchema.optional(),
  }),
);
/** Reply to Search and Stream. */
export type SearchResult = MessageOf<typeof SearchResult>;

/** Read an index's schema. */
export const GetConfig = defineMessage('GetConfig', z.object({ type: z.literal('GetConfig'), index }));
/** Read an index's schema. */
export type GetConfig = MessageOf<typeof GetConfig>;

/** Create or update an index's schema. */
export const CreateConfig = defineMessage(
  'CreateConfig',
  z.object({ type: z.literal('CreateConfig'), schema: indexSchemaSchema }),
);
/** Create or update an index's schema. */
export type CreateConfig = MessageOf<typeof CreateConfig>;

/** Reply to GetConfig and CreateConfig; `schema` absent when the index does not exist. */
export const ConfigResult = defineMessage(
  'ConfigResult',
  z.object({
    type: z.literal('ConfigResult'),
    schema: indexSchemaSchema.optional(),
    created: z.boolean().optional(),
  }),
);
/** Reply to GetConfig and CreateConfig. */
export type ConfigResult = MessageOf<typeof ConfigResult>;

/** Drop an index everywhere. */
export const DropIndex = defineMessage('DropIndex', z.object({ type: z.literal('DropIndex'), index }));
/** Drop an index. */
export type DropIndex = MessageOf<typeof DropIndex>;

/** Reply to DropIndex. */
export const DropIndexResult = defineMessage(
  'DropIndexResult',
  z.object({ type: z.literal('DropIndexResult'), dropped: z.boolean() }),
);
/** Reply to DropIndex. */
export type DropIndexResult = MessageOf<typeof DropIndexResult>;

/** List the indexes with their sizes. */
export const ListIndexes = defineMessage('ListIndexes', z.object({ type: z.literal('ListIndexes') }));
/** List the indexes. */
export type ListIndexes = MessageOf<typeof ListIndexes>;

/** Reply to ListIndexes. */
export const ListIndexesResult = defineMessage(
  'ListIndexesResult',
  z.object({
    type: z.literal('ListIndexesResult'),
    indexes: z.array(
      z.object({
        name: z.string(),
        documentCount: z.number().int().nonnegative(),
        indexSizeBytes: z.number().int().nonnegative(),
        shardCount: z.number().int().nonnegative(),
        fields: z.array(z.string()),
      }),
    ),
  }),
);
/** Reply to ListIndexes. */
export type ListIndexesResult = MessageOf<typeof ListIndexesResult>;

/** Every client operation. */
export type ClientOp =
  | Write
  | BulkWrite
  | Delete
  | BulkDelete
  | Get
  | Search
  | Stream
  | GetConfig
  | CreateConfig
  | DropIndex
  | ListIndexes;

/** The reply type of each client operation, by its `type`. */
export interface ClientReplies {
  Write: WriteResult;
  BulkWrite: BulkWriteResult;
  Delete: DeleteResult;
  BulkDelete: BulkDeleteResult;
  Get: GetResult;
  Search: SearchResult;
  Stream: SearchResult;
  GetConfig: ConfigResult;
  CreateConfig: ConfigResult;
  DropIndex: DropIndexResult;
  ListIndexes: ListIndexesResult;
}
