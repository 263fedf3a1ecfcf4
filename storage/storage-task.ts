/**
 * The messages a worker thread's storage task module accepts and returns: plain,
 * structured-clone-able data. Every result is either `{ ok: true, ... }` or
 * `{ ok: false, error }` with a WireError (rebuild it with `errorFromWire`), so typed errors
 * survive the thread boundary.
 * @module
 */
import type {
  CorpusStatistics,
  IndexSchema,
  ItemResult,
  SearchHit,
  SearchSpec,
  WireError,
} from '../messages/index.js';
import type { ShardFailure } from './node-search.js';
import type { SchemaPatch } from './schema-rules.js';
import type { CompactResult, ShardStoreOptions } from './shard-store.js';
import type { DocumentCount, DocumentPage, FoundDocument, ShardStats } from './shard-queries.js';
import type { WriteOperation } from './write-group.js';

/** Options for the writer a task opens (without the logger, which cannot cross threads). */
export type ShardTaskOptions = Omit<ShardStoreOptions, 'logger'>;

/** A unit of storage work for a worker thread; `shardPath` selects the shard directory. */
export type StorageTask =
  /** Opens (and recovers) this thread's writer of the shard, creating the shard when new. */
  | { readonly kind: 'open'; readonly shardPath: string; readonly options?: ShardTaskOptions }
  | {
      readonly kind: 'applyWrites';
      readonly shardPath: string;
      readonly operations: readonly WriteOperation[];
      readonly options?: ShardTaskOptions;
    }
  | { readonly kind: 'get'; readonly shardPath: string; readonly index: string; readonly id: string }
  /** One page of an index's documents in id order (rebalancing scans a shard with it). */
  | {
      readonly kind: 'scanDocuments';
      readonly shardPath: string;
      readonly index: string;
      readonly afterId?: string;
      readonly limit: number;
    }
  /**
   * Searches several shards as one (node-search.ts): the page [offset, offset + limit),
   * ranked with `statistics` (absent: summed over these shards).
   */
  | {
      readonly kind: 'search';
      readonly shardPaths: readonly string[];
      readonly index: string;
      readonly search: SearchSpec;
      readonly statistics?: CorpusStatistics;
      /** Also return these shards' own statistics for the query. */
      readonly reportStatistics?: boolean;
    }
  /** BM25 statistics of a query over several shards (the first phase of a cluster search). */
  | {
      readonly kind: 'searchStatistics';
      readonly shardPaths: readonly string[];
      readonly index: string;
      readonly query: string;
    }
  | { readonly kind: 'count'; readonly shardPath: string; readonly index: string; readonly query: string }
  | { readonly kind: 'stats'; readonly shardPath: string }
  | { readonly kind: 'documentCounts'; readonly shardPath: string }
  | { readonly kind: 'getSchema'; readonly shardPath: string; readonly index: string }
  | {
      readonly kind: 'putSchema';
      readonly shardPath: string;
      readonly schema: IndexSchema;
      readonly options?: ShardTaskOptions;
    }
  | {
      readonly kind: 'patchSchema';
      readonly shardPath: string;
      readonly index: string;
      readonly patch: SchemaPatch;
      readonly options?: ShardTaskOptions;
    }
  | {
      readonly kind: 'dropIndex';
      readonly shardPath: string;
      readonly index: string;
      readonly options?: ShardTaskOptions;
    }
  | { readonly kind: 'compact'; readonly shardPath: string; readonly options?: ShardTaskOptions }
  /** Closes this thread's store and reader of the shard (before deleting its files, at shutdown). */
  | { readonly kind: 'close'; readonly shardPath: string };

/** The successful result of each task kind. */
export type StorageTaskValue =
  | { readonly kind: 'open'; readonly stats: ShardStats }
  | { readonly kind: 'applyWrites'; readonly results: ItemResult[] }
  | { readonly kind: 'get'; readonly document: FoundDocument | undefined }
  | { readonly kind: 'scanDocuments'; readonly page: DocumentPage }
  | {
      readonly kind: 'search';
      readonly hits: SearchHit[];
      readonly totalHits: number;
      readonly shardErrors: ShardFailure[];
      readonly statistics?: CorpusStatistics;
    }
  | {
      readonly kind: 'searchStatistics';
      readonly statistics: CorpusStatistics;
      readonly shardErrors: ShardFailure[];
    }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'stats'; readonly stats: ShardStats }
  | { readonly kind: 'documentCounts'; readonly indexes: DocumentCount[] }
  | { readonly kind: 'getSchema'; readonly schema: IndexSchema | undefined }
  | { readonly kind: 'putSchema'; readonly schema: IndexSchema }
  | { readonly kind: 'patchSchema'; readonly schema: IndexSchema }
  | { readonly kind: 'dropIndex'; readonly dropped: boolean }
  | { readonly kind: 'compact'; readonly result: CompactResult }
  | { readonly kind: 'close' };

/** What a storage task returns: its value, or the typed error it failed with. */
export type StorageTaskResult =
  | ({ readonly ok: true } & StorageTaskValue)
  | { readonly ok: false; readonly kind: StorageTask['kind']; readonly error: WireError };
