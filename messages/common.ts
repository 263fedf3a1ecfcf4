/**
 * Shapes shared by several protocols: JSON documents, index schemas, search specs and hits.
 * Each is a zod schema (the runtime check used by the codec) plus its TypeScript type.
 * @module
 */
import { z } from 'zod';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: the body of a document. */
export type JsonObject = { [key: string]: JsonValue };

/** Runtime check for a JSON value. */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);
/**
 * Runtime check for a document body. Only the top level is checked: msgpack can only
 * carry JSON-like values here (`moreTypes` is off), and a deep walk of every document on
 * every frame would cost more than the whole decode.
 */
export const jsonObjectSchema: z.ZodType<JsonObject> = z.custom<JsonObject>(isPlainObject, {
  message: 'expected a JSON object',
});

/**
 * A plain object (not null, not an array). Checked without copying: a decoded msgpack map
 * always has string keys (`mapsAsObjects`), so a per-key walk (what `z.record` does, with a
 * copy of the object) checks nothing more and was half the cost of decoding a 1 KB write.
 */
function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The types a field can have. */
export const FieldType = {
  Text: 'text',
  String: 'string',
  I64: 'i64',
  U64: 'u64',
  F64: 'f64',
  Date: 'date',
  Boolean: 'boolean',
  Json: 'json',
} as const;
/** One of the field types. */
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

/** Runtime check for a field type. */
export const fieldTypeSchema = z.enum(['text', 'string', 'i64', 'u64', 'f64', 'date', 'boolean', 'json']);

/** One field of an index schema. */
export const fieldDefinitionSchema = z.strictObject({
  name: z.string().min(1).max(128),
  type: fieldTypeSchema,
  /** Searchable (text: full-text; others: filterable by value). */
  indexed: z.boolean(),
  /** Kept in the stored document (documents are always stored whole in LMDB; this controls returned fields). */
  stored: z.boolean(),
  /** A typed column for filters, sorting and ranges. */
  fast: z.boolean(),
  /** BM25 weight of a text field. */
  weight: z.number().positive().optional(),
});
/** One field of an index schema. */
export type FieldDefinition = z.infer<typeof fieldDefinitionSchema>;

/** The schema of an index. */
export const indexSchemaSchema = z.strictObject({
  name: z.string(),
  fields: z.array(fieldDefinitionSchema),
  /** Fields searched by bare terms; defaults to all text fields. */
  defaultSearchFields: z.array(z.string()),
  /** A field whose value routes the document to its owner instead of the id. */
  routingField: z.string().optional(),
  /** Whether a write may add fields not in the schema (typed by their first value). */
  dynamic: z.boolean(),
  /** Bumped on every change. */
  version: z.number().int().nonnegative(),
});
/** The schema of an index. */
export type IndexSchema = z.infer<typeof indexSchemaSchema>;

/** Sort order of a search. */
export const sortSpecSchema = z.strictObject({ field: z.string(), order: z.enum(['asc', 'desc']) });
/** Sort order of a search. */
export type SortSpec = z.infer<typeof sortSpecSchema>;

/** What to search for and how to shape the results. */
export const searchSpecSchema = z.strictObject({
  query: z.string(),
  limit: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  /** Fields to return; absent returns all stored fields; empty returns ids and scores only. */
  fields: z.array(z.string()).optional(),
  sort: sortSpecSchema.optional(),
  /** Highlighted snippets for these text fields (true: the default search fields). */
  highlight: z.union([z.boolean(), z.array(z.string())]).optional(),
});
/** What to search for and how to shape the results. */
export type SearchSpec = z.infer<typeof searchSpecSchema>;

/**
 * Corpus statistics of one index for BM25 ranking, summed over the shards (and nodes) that
 * hold it: so a document scores the same wherever it lives. See docs/QUERY_LANGUAGE.md.
 */
export const corpusStatisticsSchema = z.strictObject({
  /** Documents in the index. */
  documents: z.number().int().nonnegative(),
  /** Tokens in all text fields of all documents (for the average document length). */
  tokens: z.number().int().nonnegative(),
  /** Documents containing each phrase of the query, by phrase key (storage/query). */
  phrases: z.record(z.string(), z.number().int().nonnegative()),
});
/** Corpus statistics of one index for BM25 ranking. */
export type CorpusStatistics = z.infer<typeof corpusStatisticsSchema>;

/** One search hit. */
export const searchHitSchema = z.strictObject({
  id: z.string(),
  score: z.number(),
  /** Value of the sort field when the search is sorted by a field. */
  sortValue: z.union([z.number(), z.string(), z.boolean(), z.null()]).optional(),
  fields: jsonObjectSchema.optional(),
  highlights: z.record(z.string(), z.string()).optional(),
});
/** One search hit. */
export type SearchHit = z.infer<typeof searchHitSchema>;

/** The serialisable error shape, as a schema (the type is WireError in errors.ts). */
export const wireErrorSchema = z.strictObject({
  type: z.literal('Error'),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

/** Per-document outcome of a batch operation; `position` is the caller's index in the batch. */
export const itemResultSchema = z.union([
  z.strictObject({
    ok: z.literal(true),
    position: z.number().int().nonnegative(),
    id: z.string(),
    /** `skipped`: a conditional operation (rebalancing handoff) that did not apply. */
    result: z.enum(['created', 'updated', 'deleted', 'not_found', 'skipped']),
    version: z.number().int().nonnegative(),
  }),
  z.strictObject({
    ok: z.literal(false),
    position: z.number().int().nonnegative(),
    id: z.string(),
    error: wireErrorSchema,
  }),
]);
/** Per-document outcome of a batch operation. */
export type ItemResult = z.infer<typeof itemResultSchema>;

/** Size and document count of one index on one shard. */
export const indexStatsSchema = z.strictObject({
  name: z.string(),
  documents: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
/** Size and document count of one index on one shard. */
export type IndexStats = z.infer<typeof indexStatsSchema>;
