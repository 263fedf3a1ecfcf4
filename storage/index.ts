/**
 * storage/: one microshard's hybrid store. LMDB is the source of truth (documents, the
 * write-ahead log, index metadata and schemas); SQLite FTS5 (plus typed value tables) is the
 * search index, kept up to date by the write pipeline and rebuilt from the log after a crash.
 * `ShardStore` is the writer, `ShardReader` a read-only view for other threads, and
 * worker-tasks.ts the module a worker pool loads. See docs/STORAGE.md.
 * @module
 */
export {
  ShardStore,
  SHARD_FILES,
  DEFAULT_TOMBSTONE_RETENTION_MS,
  type ShardStoreOptions,
  type CompactResult,
} from './shard-store.js';
export { ShardReader } from './shard-reader.js';
export { countShard, MAX_SEARCH_WINDOW } from './shard-search.js';
export {
  searchShard,
  searchShards,
  collectStatistics,
  type ShardFailure,
  type CollectedStatistics,
  type NodeSearchResult,
  type SearchShardsOptions,
} from './node-search.js';
export { addStatistics, NO_STATISTICS } from './query/index.js';
export { mergeHits, hitOrder, type HitPage, type MergedHits, type Ranked } from './merge-hits.js';
export type {
  ShardQueries,
  FoundDocument,
  ShardStats,
  DocumentPage,
  DocumentCount,
} from './shard-queries.js';
export type { ScannedDocument, Tombstone } from './document-store.js';
export {
  HybridClock,
  stampOfTime,
  timeOfStamp,
  STAMPS_PER_MS,
  STAMP_EPOCH_MS,
  MAX_FORWARD_MS,
} from './hybrid-clock.js';
export type { WriteOperation, WritePolicy } from './write-group.js';
export { checkCompatible, type SchemaPatch } from './schema-rules.js';
export { evolveSchema, evolveSchemaForAll } from './schema-inference.js';
export type { StorageTask, StorageTaskResult, StorageTaskValue, ShardTaskOptions } from './storage-task.js';
export type { IndexLayout, TextFieldLayout, ValueFieldLayout } from './layout.js';
export { normaliseValue, parseDate, type SqlValue } from './values.js';
export { storageLogger, type StorageLogger } from './logger.js';

/**
 * The worker module a WorkerPool loads to run StorageTasks (its default export). A `.js`
 * URL: the pool falls back to the `.ts` source when running from TypeScript.
 */
export const STORAGE_WORKER_MODULE: URL = new URL('./worker-tasks.js', import.meta.url);
