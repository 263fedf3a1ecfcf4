/**
 * The writer of one shard: owns the LMDB write transactions and the SQLite write
 * connection, replays the write-ahead log on open, and runs the write pipeline
 *   sequence -> one LMDB transaction (documents + log entry) -> one SQLite transaction
 *   (index rows + watermark) -> results.
 * Synchronous by design: it runs inside a worker thread.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  IndexNotFoundError,
  StorageError,
  errorMessage,
  StorageFullError,
  indexName,
  type IndexSchema,
  type SearchHit,
  type SearchSpec,
  type ItemResult,
  type JsonObject,
} from '../messages/index.js';
import { DocumentStore, type LogEntry } from './document-store.js';
import { IndexApplier } from './index-applier.js';
import { allocateFields, cloneMetadata, newIndexMetadata, type IndexMetadata } from './index-metadata.js';
import { storageLogger, type StorageLogger } from './logger.js';
import {
  checkCompatible,
  checkSchema,
  layoutStructureDiffers,
  patchedSchema,
  type SchemaPatch,
} from './schema-rules.js';
import { SearchIndex } from './search-index.js';
import { HybridClock } from './hybrid-clock.js';
import { isDiskFull } from './storage-full.js';
import { ShardQueries, type FoundDocument, type ShardStats } from './shard-queries.js';
import { searchShard } from './node-search.js';
import { countShard } from './shard-search.js';
import { WriteGroup, type WriteOperation, type WritePolicy } from './write-group.js';

/** Options of a shard store. */
export interface ShardStoreOptions {
  /** Create an unknown index from the first document written to it (default true). */
  readonly autoCreateIndexes?: boolean;
  /** Checkpoint SQLite and trim the log after this many write groups (default 1000; 0 = only on compact). */
  readonly trimEveryGroups?: number;
  /**
   * How long a delete's tombstone is kept (default 7 days): the bound on how late a
   * rebalancing handoff may arrive and still not bring a deleted document back. Pruned on
   * compact and with each periodic log trim.
   */
  readonly tombstoneRetentionMs?: number;
  readonly logger?: StorageLogger;
  /**
   * The machine's clock in ms (default Date.now): the physical part of the shard's hybrid
   * logical clock stamps and the time of tombstones. Tests inject one.
   */
  readonly wallClock?: () => number;
  /**
   * After the disk filled between LMDB and the search index, the first wait (ms) before the
   * index catches up from the log on its own (default 1000; doubles up to a minute while the
   * disk stays full), so a durable write becomes searchable without waiting for another one.
   */
  readonly catchUpRetryMs?: number;
}

/** The longest wait between two catch-up attempts of an index that fell behind. */
const MAX_CATCH_UP_DELAY_MS = 60_000;

/** Default tombstone retention: 7 days. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600_000;

/** Outcome of a compaction. */
export interface CompactResult {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Log entries removed. */
  readonly trimmedLogEntries: number;
  /** Watermark durable in SQLite's main file, or undefined when readers blocked the checkpoint. */
  readonly durableWatermark: number | undefined;
}

/** File names inside a shard directory. */
export const SHARD_FILES = { lmdb: 'lmdb', sqlite: 'index.sqlite' } as const;

/** The writer of one shard's hybrid store. */
export class ShardStore {
  readonly path: string;
  private readonly documents: DocumentStore;
  private readonly sqlite: SearchIndex;
  private readonly applier: IndexApplier;
  private readonly queries: ShardQueries;
  private readonly policy: WritePolicy;
  private readonly clock: HybridClock;
  private readonly trimEveryGroups: number;
  private readonly tombstoneRetentionMs: number;
  private readonly logger: StorageLogger;
  private groupsSinceTrim = 0;
  private closed = false;
  private readonly catchUpRetryMs: number;
  private catchUpDelayMs: number;
  private catchUpTimer: NodeJS.Timeout | undefined;

  /** Opens (creating if needed) the shard at `path` and replays the log above the watermark. */
  constructor(path: string, options: ShardStoreOptions = {}) {
    this.path = path;
    this.logger = (options.logger ?? storageLogger()).child({ shard: path });
    this.trimEveryGroups = options.trimEveryGroups ?? 1000;
    this.tombstoneRetentionMs = options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
    this.catchUpRetryMs = options.catchUpRetryMs ?? 1000;
    this.catchUpDelayMs = this.catchUpRetryMs;
    mkdirSync(join(path, SHARD_FILES.lmdb), { recursive: true });
    this.documents = new DocumentStore(join(path, SHARD_FILES.lmdb), { readOnly: false });
    // Above every stamp written before, even if the machine's clock went back meanwhile.
    this.clock = new HybridClock(options.wallClock ?? Date.now, this.documents.lastStamp());
    this.policy = { autoCreateIndexes: options.autoCreateIndexes ?? true, clock: this.clock };
    this.sqlite = new SearchIndex(join(path, SHARD_FILES.sqlite), { readOnly: false });
    this.applier = new IndexApplier(this.documents, this.sqlite, this.logger);
    this.queries = new ShardQueries(this.documents, this.sqlite, join(path, SHARD_FILES.lmdb));
    try {
      this.recover();
    } catch (error) {
      this.close();
      throw error instanceof StorageError
        ? error
        : new StorageError(`recovery of shard ${path} failed`, { cause: error });
    }
  }

  private recover(): void {
    const last = this.documents.lastSequence();
    const watermark = this.sqlite.watermark();
    if (watermark > last) {
      throw new StorageError(
        `SQLite watermark ${watermark} is ahead of the LMDB log (${last}): files from different shards?`,
      );
    }
    if (watermark === last) return;
    const { first } = this.documents.logInfo();
    if (first === undefined || first > watermark + 1) {
      // The log no longer reaches back to the watermark (a lost or replaced SQLite file).
      this.logger.warn(
        { watermark, last, firstLogEntry: first },
        'log does not cover the watermark: rebuilding SQLite from LMDB',
      );
      this.applier.rebuildAll(last);
      return;
    }
    const started = Date.now();
    const applied = this.applier.catchUp(last);
    this.logger.info({ watermark, last, applied, ms: Date.now() - started }, 'replayed write-ahead log');
  }

  /**
   * Applies a group of operations: one durable LMDB transaction, then one SQLite transaction.
   * Returns one result per operation, in the order given (positions are the caller's).
   * Per-operation problems are error results; a storage failure throws StorageError.
   */
  applyWrites(operations: readonly WriteOperation[]): ItemResult[] {
    this.ensureOpen();
    let results: ItemResult[] = [];
    let pending: { entry: LogEntry; documents: readonly (JsonObject | undefined)[] } | undefined;
    try {
      this.documents.transaction(() => {
        const group = new WriteGroup(this.documents, this.policy);
        results = operations.map((operation) => group.add(operation));
        group.finish();
        if (group.changes.length === 0) return;
        const entry: LogEntry = { sequence: this.documents.takeSequence(), changes: group.changes };
        this.documents.appendLog(entry);
        pending = { entry, documents: group.documents };
      });
    } catch (error) {
      if (isDiskFull(error, this.path))
        throw new StorageFullError('the disk is full: nothing was written', { cause: error });
      // The cause's text goes into the message: the cause itself does not cross the worker boundary.
      throw new StorageError(`write group failed in LMDB (${errorMessage(error)}); nothing was written`, {
        cause: error,
      });
    }
    if (pending !== undefined) this.applyToIndex(pending.entry.sequence, pending);
    return results;
  }

  /** Upserts one document; throws the operation's error if it failed. */
  write(index: string, id: string, doc: JsonObject): ItemResult {
    return this.applyWrites([{ kind: 'upsert', position: 0, index, id, doc }])[0] as ItemResult;
  }

  /** Deletes one document. */
  delete(index: string, id: string): ItemResult {
    return this.applyWrites([{ kind: 'delete', position: 0, index, id }])[0] as ItemResult;
  }

  /** The document with `id`, or undefined. */
  get(index: string, id: string): FoundDocument | undefined {
    this.ensureOpen();
    return this.queries.get(index, id);
  }

  /** Top hits of a query string (see storage/query) and the total hit count. */
  search(index: string, spec: SearchSpec): { hits: SearchHit[]; totalHits: number } {
    this.ensureOpen();
    return searchShard(this.queries, index, spec);
  }

  /** Number of documents matching a query string. */
  count(index: string, query: string): number {
    this.ensureOpen();
    return countShard(this.queries, index, query);
  }

  /** The schema of an index, or undefined. */
  getSchema(index: string): IndexSchema | undefined {
    this.ensureOpen();
    return this.queries.getSchema(index);
  }

  /**
   * Creates or replaces an index's schema. On an empty index anything goes; on a populated
   * one only compatible changes (SchemaConflictError otherwise). Returns the stored schema.
   */
  putSchema(input: IndexSchema): IndexSchema {
    this.ensureOpen();
    const schema = checkSchema(input);
    return this.changeSchema(schema.name, () => schema);
  }

  /** Changes part of an index's schema (same rules as putSchema). */
  patchSchema(index: string, patch: SchemaPatch): IndexSchema {
    this.ensureOpen();
    return this.changeSchema(indexName(index), (current) => {
      if (current === undefined) throw new IndexNotFoundError(index);
      return checkSchema(patchedSchema(current.schema, patch));
    });
  }

  private changeSchema(name: string, next: (current: IndexMetadata | undefined) => IndexSchema): IndexSchema {
    let result: IndexSchema | undefined;
    let sequence: number | undefined;
    this.documents.transaction(() => {
      const current = this.documents.getIndex(name);
      const schema = next(current);
      let metadata: IndexMetadata;
      if (current === undefined) {
        metadata = newIndexMetadata({ ...schema, version: 1 }, this.documents.takeIndexUid());
      } else {
        if (current.documents > 0) checkCompatible(current.schema, schema);
        metadata = cloneMetadata(current);
        metadata.schema = { ...schema, version: current.schema.version + 1 };
        allocateFields(metadata, { fieldsAreNew: current.documents === 0 });
        if (current.documents === 0 || layoutStructureDiffers(current, metadata)) {
          metadata.tableGeneration += 1;
          metadata.ftsGeneration += 1;
        }
      }
      this.documents.putIndex(metadata);
      sequence = this.documents.takeSequence();
      this.documents.appendLog({ sequence, changes: [{ kind: 'schema', index: name, uid: metadata.uid }] });
      result = metadata.schema;
    });
    if (sequence !== undefined) this.applyToIndex(sequence);
    return result as unknown as IndexSchema;
  }

  /** Drops an index and its documents; false when it did not exist. */
  dropIndex(index: string): boolean {
    this.ensureOpen();
    const name = indexName(index);
    let sequence: number | undefined;
    this.documents.transaction(() => {
      const metadata = this.documents.getIndex(name);
      if (metadata === undefined) return;
      this.documents.removeDocumentsOf(metadata.uid);
      this.documents.removeIndex(name);
      sequence = this.documents.takeSequence();
      this.documents.appendLog({ sequence, changes: [{ kind: 'schema', index: name, uid: metadata.uid }] });
    });
    if (sequence === undefined) return false;
    this.applyToIndex(sequence);
    this.logger.info({ index: name }, 'dropped index');
    return true;
  }

  /** Documents and bytes per index. */
  stats(): ShardStats {
    this.ensureOpen();
    return this.queries.stats();
  }

  /** The read side over this store's own connections (search, count). */
  get reads(): ShardQueries {
    this.ensureOpen();
    return this.queries;
  }

  /** Merges FTS5 segments, checkpoints SQLite durably and trims the log below that point. */
  compact(): CompactResult {
    this.ensureOpen();
    const bytesBefore = this.queries.bytesOnDisk();
    this.sqlite.writeTransaction(() => {
      for (const record of this.sqlite.layoutRecords()) this.sqlite.optimize(record.layout);
    });
    const { trimmed, durable } = this.checkpointAndTrim();
    const tombstones = this.pruneTombstones();
    const bytesAfter = this.queries.bytesOnDisk();
    this.logger.info({ bytesBefore, bytesAfter, trimmed, durable, tombstones }, 'compacted shard');
    return { bytesBefore, bytesAfter, trimmedLogEntries: trimmed, durableWatermark: durable };
  }

  /** Closes both stores; further calls throw StorageError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
    this.sqlite.close();
    this.documents.close();
  }

  /** Test and tooling access to the SQLite index (integrity checks). */
  get searchIndex(): SearchIndex {
    return this.sqlite;
  }

  private applyToIndex(
    sequence: number,
    pending?: { entry: LogEntry; documents: readonly (JsonObject | undefined)[] },
  ): void {
    try {
      this.applier.catchUp(sequence, pending);
    } catch (error) {
      // Durable in LMDB; the next write, the next open or (disk full) a retry replays it.
      if (isDiskFull(error, this.path)) {
        this.scheduleCatchUp();
        throw new StorageFullError(
          `the disk is full: write ${sequence} is durable but not yet searchable (the search index catches up once space is freed)`,
          { cause: error },
        );
      }
      throw new StorageError(
        `write ${sequence} is durable but could not be applied to the search index (${errorMessage(error)})`,
        { cause: error },
      );
    }
    this.groupsSinceTrim += 1;
    if (this.trimEveryGroups > 0 && this.groupsSinceTrim >= this.trimEveryGroups) this.checkpointAndTrim();
  }

  /** Retries applying the log to the search index later (it fell behind on a full disk). */
  private scheduleCatchUp(): void {
    if (this.catchUpTimer !== undefined || this.closed) return;
    // Unref'd: a pending retry must never keep a stopping thread or process alive.
    this.catchUpTimer = setTimeout(() => this.retryCatchUp(), this.catchUpDelayMs).unref();
  }

  private retryCatchUp(): void {
    this.catchUpTimer = undefined;
    if (this.closed) return;
    const last = this.documents.lastSequence();
    try {
      const applied = this.applier.catchUp(last);
      this.catchUpDelayMs = this.catchUpRetryMs;
      this.logger.info({ applied, watermark: last }, 'search index caught up after the disk was full');
    } catch (error) {
      this.catchUpDelayMs = Math.min(this.catchUpDelayMs * 2, MAX_CATCH_UP_DELAY_MS);
      this.logger.warn(
        { err: error, retryInMs: this.catchUpDelayMs },
        'search index still behind the write-ahead log; retrying',
      );
      this.scheduleCatchUp();
    }
  }

  /** Forgets the tombstones older than the retention; returns how many. */
  private pruneTombstones(): number {
    return this.documents.pruneTombstones(this.clock.now() - this.tombstoneRetentionMs);
  }

  private checkpointAndTrim(): { trimmed: number; durable: number | undefined } {
    this.groupsSinceTrim = 0;
    // Here too, so tombstones stay bounded without a compact (a bounded batch each time).
    this.pruneTombstones();
    const durable = this.sqlite.checkpoint();
    if (durable === undefined) {
      this.logger.debug('checkpoint incomplete (readers busy); log kept');
      return { trimmed: 0, durable };
    }
    return { trimmed: this.documents.trimLog(durable), durable };
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError(`shard store ${this.path} is closed`);
  }
}
