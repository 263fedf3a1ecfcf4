/**
 * The JSON shapes of CameoDB's HTTP API, as TypeScript interfaces. Field names are the
 * wire's snake_case so a response is usable as parsed, without a mapping layer that could
 * drift from the server. Every response interface allows extra fields: a newer server may
 * add some, and an older client must not break on them.
 * @module
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: the body of a document. */
export type JsonObject = { [key: string]: JsonValue };

/** The types a field can have. */
export type FieldType = 'text' | 'string' | 'i64' | 'u64' | 'f64' | 'date' | 'boolean' | 'json';

/** One field of an index schema, as `PUT /api/{index}/_config` takes it. */
export interface FieldConfig {
  readonly name: string;
  readonly type: FieldType;
  /** Searchable (text: full-text; others: filterable by value). */
  readonly indexed?: boolean;
  /** Returned in search hits. */
  readonly stored?: boolean;
  /** A typed column for filters, sorting and ranges. */
  readonly fast?: boolean;
  /** BM25 weight of a text field. */
  readonly weight?: number;
  readonly [extra: string]: unknown;
}

/** The schema of an index (`GET`/`PUT /api/{index}/_config`). */
export interface IndexConfig {
  readonly name?: string;
  readonly fields: readonly FieldConfig[];
  /** Fields searched by bare terms; defaults to all text fields. */
  readonly default_search_fields?: readonly string[];
  /** A field whose value routes a document instead of its id. */
  readonly routing_field?: string;
  /** Whether a write may add fields that are not in the schema. */
  readonly dynamic?: boolean;
  /** Bumped by the server on every change. */
  readonly version?: number;
  readonly [extra: string]: unknown;
}

/** `GET /_cluster/health`. */
export interface HealthResponse {
  readonly status: 'green' | 'yellow' | 'red';
  readonly node_id: string;
  readonly node_name?: string;
  readonly [extra: string]: unknown;
}

/** One entry of `GET /_indexes`. `fields` is a list of names or of field definitions. */
export interface IndexSummary {
  readonly name: string;
  readonly document_count: number;
  readonly index_size_bytes: number;
  readonly shard_count: number;
  readonly fields?: readonly (string | FieldConfig)[];
  readonly [extra: string]: unknown;
}

/** `GET /_indexes`. */
export interface ListIndexesResponse {
  readonly indexes: readonly IndexSummary[];
  readonly total_indexes: number;
  readonly node_id: string;
  readonly took_ms: number;
  readonly [extra: string]: unknown;
}

/** One document to write: `{id, routing_key?, doc}`. */
export interface DocumentWrite {
  readonly id: string;
  readonly routing_key?: string;
  readonly doc: JsonObject;
}

/** `PUT /api/{index}/document`. */
export interface WriteResponse {
  readonly id: string;
  readonly result: string;
  readonly version: number;
  readonly shard_id: number;
  readonly [extra: string]: unknown;
}

/** `DELETE /api/{index}/document?id=`. */
export interface DeleteResponse {
  readonly id: string;
  readonly result: string;
  readonly version: number;
  readonly shard_id: number;
  readonly [extra: string]: unknown;
}

/** A per-item failure of a bulk call; `position` is the item's 0-based index in the request. */
export interface BulkItemError {
  readonly position: number;
  readonly id: string;
  /** The error's stable code (e.g. `FIELD_TYPE_ERROR`). */
  readonly error: unknown;
  /** What went wrong, in words. */
  readonly message?: string;
}

/** `POST /api/{index}/_bulk`. */
export interface BulkWriteResponse {
  readonly items_received: number;
  readonly items_written: number;
  readonly errors: readonly BulkItemError[];
  readonly duration_ms: number;
  readonly [extra: string]: unknown;
}

/** One item of `POST /api/{index}/_bulk/delete`: an id, or an id with its routing key. */
export type BulkDeleteItem = string | { readonly id: string; readonly routing_key?: string };

/** `POST /api/{index}/_bulk/delete`. */
export interface BulkDeleteResponse {
  readonly items_received: number;
  readonly items_deleted: number;
  readonly errors: readonly BulkItemError[];
  readonly duration_ms: number;
  readonly [extra: string]: unknown;
}

/** A per-line failure of a stream ingest; `line` is 1-based in the NDJSON body. */
export interface IngestLineError {
  readonly line: number;
  readonly id?: string;
  /** The error's stable code. */
  readonly error: unknown;
  readonly message?: string;
  readonly [extra: string]: unknown;
}

/** `POST /api/{index}/document/stream`. */
export interface IngestStreamResponse {
  readonly status: 'ok' | 'partial' | 'refused';
  readonly lines_received: number;
  readonly items_written: number;
  readonly batches: number;
  /** The first 100 errors. */
  readonly errors: readonly IngestLineError[];
  /** How many errors were not listed. */
  readonly suppressed_errors: number;
  readonly [extra: string]: unknown;
}

/** Sort order of a search. */
export interface SortSpec {
  readonly field: string;
  readonly order: 'asc' | 'desc';
}

/** The body of `POST /api/{index}/search` and `/search/stream`. */
export interface SearchRequest {
  readonly query: string;
  readonly limit?: number;
  readonly offset?: number;
  /** Fields to return; absent returns all stored fields. */
  readonly fields?: readonly string[];
  readonly sort?: SortSpec;
  /** Highlighted snippets for these text fields (true: the default search fields). */
  readonly highlight?: boolean | readonly string[];
}

/** One search hit: `_id`, `_score`, then the returned fields. */
export interface SearchHit {
  readonly _id: string;
  readonly _score: number;
  readonly [field: string]: unknown;
}

/** `POST /api/{index}/search`. */
export interface SearchResponse {
  readonly hits: readonly SearchHit[];
  readonly hits_returned: number;
  readonly total_hits: number;
  readonly limit: number;
  readonly offset: number;
  readonly total_shards: number;
  readonly failed_shards: number;
  readonly took_ms: number;
  readonly [extra: string]: unknown;
}

/** The last line of `POST /api/{index}/search/stream` (the value of its `_footer` key). */
export interface SearchStreamFooter {
  readonly total_hits?: number;
  readonly hits_returned?: number;
  readonly total_shards?: number;
  readonly failed_shards?: number;
  readonly took_ms?: number;
  readonly [extra: string]: unknown;
}

/** The error body every failed call returns: `error` is a stable code, `details.message` says what happened. */
export interface ErrorBody {
  readonly error: unknown;
  readonly details?: unknown;
  readonly [extra: string]: unknown;
}
