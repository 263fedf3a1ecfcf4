/**
 * The MicroshardActor's protocol: the work one shard does for its node. Every request has
 * a typed reply, listed in `ShardReplies`.
 * @module
 */
import { z } from 'zod';
import { defineMessage, type MessageOf } from './registry.js';
import { indexSchemaSchema, indexStatsSchema, itemResultSchema, jsonObjectSchema } from './common.js';

const index = z.string().min(1);
const documentKey = z.string().min(1);

/** Upsert one document (replaces the whole document). */
export const WriteRequest = defineMessage(
  'WriteRequest',
  z.object({
    type: z.literal('WriteRequest'),
    index,
    id: documentKey,
    doc: jsonObjectSchema,
    /** Idempotency key: a retried request with the same id is applied once. */
    requestId: z.string().optional(),
    /** The request's routing key, stored with the document when it is not the id (rebalancing re-routes by it). */
    routingKey: z.string().optional(),
  }),
);
/** Upsert one document. */
export type WriteRequest = MessageOf<typeof WriteRequest>;

/** Reply to WriteRequest. */
export const WriteReply = defineMessage(
  'WriteReply',
  z.object({
    type: z.literal('WriteReply'),
    id: z.string(),
    result: z.enum(['created', 'updated']),
    version: z.number().int().nonnegative(),
  }),
);
/** Reply to WriteRequest. */
export type WriteReply = MessageOf<typeof WriteReply>;

/** Upsert many documents; never half-applies a document. */
export const BatchWriteRequest = defineMessage(
  'BatchWriteRequest',
  z.object({
    type: z.literal('BatchWriteRequest'),
    index,
    items: z.array(
      z.object({
        position: z.number().int().nonnegative(),
        id: documentKey,
        doc: jsonObjectSchema,
        /** The request's routing key, stored with the document when it is not the id. */
        routingKey: z.string().optional(),
        /** With `adopt`: the version the document had on the node that handed it off. */
        version: z.number().int().nonnegative().optional(),
        /**
         * With `adopt`: the hybrid logical clock stamp of the write that made the copy on the
         * node that handed it off (absent: 0, older than any stamped write).
         */
        stamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
      }),
    ),
    requestId: z.string().optional(),
    /**
     * Rebalancing: the items are documents handed off by their previous owner; each is applied
     * only when its stamp is newer than the live document and the tombstone with its id here
     * (else its result is `skipped`).
     */
    adopt: z.boolean().optional(),
  }),
);
/** Upsert many documents. */
export type BatchWriteRequest = MessageOf<typeof BatchWriteRequest>;

/** Reply to BatchWriteRequest and BatchDeleteRequest: one result per item, by position. */
export const BatchReply = defineMessage(
  'BatchReply',
  z.object({ type: z.literal('BatchReply'), results: z.array(itemResultSchema) }),
);
/** Reply to a batch request. */
export type BatchReply = MessageOf<typeof BatchReply>;

/** Delete one document by id. */
export const DeleteRequest = defineMessage(
  'DeleteRequest',
  z.object({ type: z.literal('DeleteRequest'), index, id: documentKey, requestId: z.string().optional() }),
);
/** Delete one document by id. */
export type DeleteRequest = MessageOf<typeof DeleteRequest>;

/** Reply to DeleteRequest. */
export const DeleteReply = defineMessage(
  'DeleteReply',
  z.object({
    type: z.literal('DeleteReply'),
    id: z.string(),
    result: z.enum(['deleted', 'not_found']),
    version: z.number().int().nonnegative(),
  }),
);
/** Reply to DeleteRequest. */
export type DeleteReply = MessageOf<typeof DeleteReply>;

/** Delete many documents by id. */
export const BatchDeleteRequest = defineMessage(
  'BatchDeleteRequest',
  z.object({
    type: z.literal('BatchDeleteRequest'),
    index,
    items: z.array(
      z.object({
        position: z.number().int().nonnegative(),
        id: documentKey,
        /** Delete only while the stored version is this one (else the result is `skipped`). */
        ifVersion: z.number().int().nonnegative().optional(),
      }),
    ),
    requestId: z.string().optional(),
    /** Rebalancing: the documents were handed off to their new owner; no tombstone is kept. */
    handedOff: z.boolean().optional(),
  }),
);
/** Delete many documents by id. */
export type BatchDeleteRequest = MessageOf<typeof BatchDeleteRequest>;

/** Read one document by id. */
export const GetRequest = defineMessage(
  'GetRequest',
  z.object({ type: z.literal('GetRequest'), index, id: documentKey }),
);
/** Read one document by id. */
export type GetRequest = MessageOf<typeof GetRequest>;

/** Reply to GetRequest; `doc` is absent when the document does not exist. */
export const GetReply = defineMessage(
  'GetReply',
  z.object({
    type: z.literal('GetReply'),
    id: z.string(),
    found: z.boolean(),
    doc: jsonObjectSchema.optional(),
    version: z.number().int().nonnegative().optional(),
    /**
     * The version's hybrid logical clock stamp: a read repair (rebalancing) hands it on with
     * the copy, so the owner orders it like the handoff would. Not part of the HTTP API.
     */
    stamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  }),
);
/** Reply to GetRequest. */
export type GetReply = MessageOf<typeof GetReply>;

/** Count the documents matching a query. */
export const CountRequest = defineMessage(
  'CountRequest',
  z.object({ type: z.literal('CountRequest'), index, query: z.string() }),
);
/** Count the documents matching a query. */
export type CountRequest = MessageOf<typeof CountRequest>;

/** Reply to CountRequest. */
export const CountReply = defineMessage(
  'CountReply',
  z.object({ type: z.literal('CountReply'), count: z.number().int().nonnegative() }),
);
/** Reply to CountRequest. */
export type CountReply = MessageOf<typeof CountReply>;

/**
 * Documents and bytes on disk per index. `fromWriter`: answer from the shard's writer thread
 * instead of a reader thread (the node's startup uses it, so an idle node starts no reader).
 */
export const StatsRequest = defineMessage(
  'StatsRequest',
  z.object({ type: z.literal('StatsRequest'), fromWriter: z.boolean().optional() }),
);
/** Documents and bytes on disk per index. */
export type StatsRequest = MessageOf<typeof StatsRequest>;

/** Reply to StatsRequest. */
export const StatsReply = defineMessage(
  'StatsReply',
  z.object({
    type: z.literal('StatsReply'),
    indexes: z.array(indexStatsSchema),
    bytesOnDisk: z.number().int().nonnegative(),
    watermark: z.number().int().nonnegative(),
  }),
);
/** Reply to StatsRequest. */
export type StatsReply = MessageOf<typeof StatsReply>;

/**
 * Documents per index, from the shard's metadata alone: cheap whatever the index's size
 * (StatsRequest also measures bytes, which reads every page of the shard's SQLite file).
 * Health checks ask this.
 */
export const DocumentCountsRequest = defineMessage(
  'DocumentCountsRequest',
  z.object({ type: z.literal('DocumentCountsRequest') }),
);
/** Documents per index of a shard. */
export type DocumentCountsRequest = MessageOf<typeof DocumentCountsRequest>;

/** Reply to DocumentCountsRequest. */
export const DocumentCountsReply = defineMessage(
  'DocumentCountsReply',
  z.object({
    type: z.literal('DocumentCountsReply'),
    indexes: z.array(z.object({ name: z.string(), documents: z.number().int().nonnegative() })),
  }),
);
/** Reply to DocumentCountsRequest. */
export type DocumentCountsReply = MessageOf<typeof DocumentCountsReply>;

/** Read an index's schema. */
export const GetSchemaRequest = defineMessage(
  'GetSchemaRequest',
  z.object({ type: z.literal('GetSchemaRequest'), index }),
);
/** Read an index's schema. */
export type GetSchemaRequest = MessageOf<typeof GetSchemaRequest>;

/** Create or replace an index's schema (SCHEMA_CONFLICT when incompatible with a populated index). */
export const PutSchemaRequest = defineMessage(
  'PutSchemaRequest',
  z.object({ type: z.literal('PutSchemaRequest'), schema: indexSchemaSchema }),
);
/** Create or replace an index's schema. */
export type PutSchemaRequest = MessageOf<typeof PutSchemaRequest>;

/** Reply to schema requests; `schema` is absent when the index does not exist. */
export const SchemaReply = defineMessage(
  'SchemaReply',
  z.object({ type: z.literal('SchemaReply'), schema: indexSchemaSchema.optional() }),
);
/** Reply to schema requests. */
export type SchemaReply = MessageOf<typeof SchemaReply>;

/** Drop an index and all its documents on this shard. */
export const DropIndexRequest = defineMessage(
  'DropIndexRequest',
  z.object({ type: z.literal('DropIndexRequest'), index }),
);
/** Drop an index on this shard. */
export type DropIndexRequest = MessageOf<typeof DropIndexRequest>;

/** Reply to DropIndexRequest. */
export const DropIndexReply = defineMessage(
  'DropIndexReply',
  z.object({ type: z.literal('DropIndexReply'), dropped: z.boolean() }),
);
/** Reply to DropIndexRequest. */
export type DropIndexReply = MessageOf<typeof DropIndexReply>;

/** Merge FTS5 segments, checkpoint the SQLite WAL and trim the write-ahead log. */
export const CompactRequest = defineMessage(
  'CompactRequest',
  z.object({ type: z.literal('CompactRequest') }),
);
/** Compact this shard. */
export type CompactRequest = MessageOf<typeof CompactRequest>;

/** Reply to CompactRequest. */
export const CompactReply = defineMessage(
  'CompactReply',
  z.object({ type: z.literal('CompactReply'), bytesBefore: z.number(), bytesAfter: z.number() }),
);
/** Reply to CompactRequest. */
export type CompactReply = MessageOf<typeof CompactReply>;

/** Every message a MicroshardActor accepts. */
export type ShardRequest =
  | WriteRequest
  | BatchWriteRequest
  | DeleteRequest
  | BatchDeleteRequest
  | GetRequest
  | CountRequest
  | StatsRequest
  | DocumentCountsRequest
  | GetSchemaRequest
  | PutSchemaRequest
  | DropIndexRequest
  | CompactRequest;

/** The reply type of each shard request, by its `type`. */
export interface ShardReplies {
  WriteRequest: WriteReply;
  BatchWriteRequest: BatchReply;
  DeleteRequest: DeleteReply;
  BatchDeleteRequest: BatchReply;
  GetRequest: GetReply;
  CountRequest: CountReply;
  StatsRequest: StatsReply;
  DocumentCountsRequest: DocumentCountsReply;
  GetSchemaRequest: SchemaReply;
  PutSchemaRequest: SchemaReply;
  DropIndexRequest: DropIndexReply;
  CompactRequest: CompactReply;
}
