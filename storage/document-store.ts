/**
 * LMDB side of a shard: the source of truth. Holds the documents (key `[index uid, id]`),
 * the write-ahead log (sequence -> operation group), per-index metadata, the counters
 * (including the clock's last stamp) and the tombstones of deletes. Every value is bytes
 * encoded by record-codec.ts.
 * @module
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { StorageError, type JsonObject } from '../messages/index.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import { stampOfTime } from './hybrid-clock.js';
import type { IndexMetadata } from './index-metadata.js';

/** A stored document. */
export interface StoredDocument {
  docNumber: number;
  version: number;
  doc: JsonObject;
  /**
   * The request's routing key, kept only when the write named one other than the id: a
   * rebalancing node must re-route the document from what it stores (docs/CLUSTER.md).
   */
  routingKey?: string;
  /**
   * The hybrid logical clock stamp of the write that made this version (hybrid-clock.ts);
   * it orders two copies of the document written on different nodes. Absent in records
   * written before stamps existed: read as 0, older than any stamped write.
   */
  stamp?: number;
}

/** A stored document as a scan returns it (rebalancing hands these to their new owner). */
export interface ScannedDocument {
  readonly id: string;
  readonly version: number;
  readonly doc: JsonObject;
  readonly routingKey?: string;
  /** The version's stamp (0 for a record written before stamps existed). */
  readonly stamp: number;
}

/** What a tombstone remembers of a delete. */
export interface Tombstone {
  /** Wall-clock time of the delete (ms): tombstones are pruned by it. */
  readonly atMs: number;
  /** The delete's hybrid logical clock stamp: a handed-off copy older than it is skipped. */
  readonly stamp: number;
}

/** One change of a log entry, enough to bring SQLite to the same state idempotently. */
export type LogChange =
  | {
      kind: 'upsert';
      index: string;
      uid: number;
      id: string;
      docNumber: number;
      /** The encoded StoredDocument, exactly as written to the documents database. */
      record: Uint8Array;
      /**
       * No live document had this id when the change was made, so SQLite (at the state of
       * the entry before) holds no row for it and the applier skips looking for old rows.
       * A hint only: the applier still replaces an old row that a rebuild put there.
       */
      fresh?: boolean;
    }
  | { kind: 'delete'; index: string; uid: number; id: string; docNumber: number }
  /** The index was created, dropped, or its schema changed: reconcile its SQLite tables. */
  | { kind: 'schema'; index: string; uid: number };

/** One write-ahead log entry: an operation group under one sequence number. */
export interface LogEntry {
  sequence: number;
  changes: LogChange[];
}

/** Options of the LMDB environment. */
export interface DocumentStoreOptions {
  readonly readOnly: boolean;
  /** Map size in bytes (default 64 GiB): address space only, the file grows as pages are written. */
  readonly mapSize?: number;
}

/** Default LMDB map size: 64 GiB of address space per shard. */
export const DEFAULT_MAP_SIZE = 64 * 2 ** 30;
const KEY_LAST_SEQUENCE = 'lastSequence';
const KEY_NEXT_DOC_NUMBER = 'nextDocNumber';
const KEY_NEXT_INDEX_UID = 'nextIndexUid';
const KEY_LAST_STAMP = 'lastStamp';
const INDEX_PREFIX = 'index:';
const EMPTY = Buffer.alloc(0);

/** The LMDB environment of one shard and its three databases. */
export class DocumentStore {
  private readonly root: RootDatabase;
  private readonly documents: Database<Buffer, [number, string]>;
  private readonly log: Database<Buffer, number>;
  private readonly meta: Database<Buffer, string>;
  /**
   * Deletes remembered as `[index uid, id] -> { atMs, stamp }` (a bare ms number when written
   * before stamps existed), so a document handed off by a
   * node that is rebalancing does not come back after it was deleted here. Writer only.
   */
  private readonly tombstones: Database<Buffer, [number, string]> | undefined;
  /** The same tombstones by time, `[deleted at, index uid, id]`, so pruning reads only expired ones. */
  private readonly tombstoneTimes: Database<Buffer, [number, number, string]> | undefined;

  constructor(path: string, options: DocumentStoreOptions) {
    this.root = open({
      path,
      readOnly: options.readOnly,
      // Commit and fsync inside transactionSync: an acknowledged write is on disk.
      overlappingSync: false,
      maxDbs: 8,
      // lmdb-js starts at 128 KiB and resizes the map as data grows; a resize has to wait for
      // read transactions of other threads. A large fixed map avoids resizes altogether.
      mapSize: options.mapSize ?? DEFAULT_MAP_SIZE,
    });
    this.documents = this.root.openDB<Buffer, [number, string]>('documents', { encoding: 'binary' });
    this.log = this.root.openDB<Buffer, number>('log', { encoding: 'binary' });
    this.meta = this.root.openDB<Buffer, string>('meta', { encoding: 'binary' });
    // A read-only environment cannot create a database; readers never look at tombstones.
    this.tombstones = options.readOnly
      ? undefined
      : this.root.openDB<Buffer, [number, string]>('tombstones', { encoding: 'binary' });
    this.tombstoneTimes = options.readOnly
      ? undefined
      : this.root.openDB<Buffer, [number, number, string]>('tombstoneTimes', { encoding: 'binary' });
  }

  /** Runs `action` in one synchronous, durable write transaction. */
  transaction<T>(action: () => T): T {
    return this.root.transactionSync(action);
  }

  /**
   * Starts the next reads on the newest committed snapshot. lmdb-js renews its read
   * transaction only on the next event-loop turn; synchronous worker code must ask.
   */
  refreshSnapshot(): void {
    this.root.resetReadTxn();
  }

  /** The stored document, or undefined. */
  getDocument(uid: number, id: string): { stored: StoredDocument; bytes: number } | undefined {
    const bytes = this.documents.getBinary([uid, id]);
    if (bytes === undefined) return undefined;
    return { stored: decodeRecord<StoredDocument>(bytes, 'document'), bytes: bytes.length };
  }

  /** Size in bytes of a stored document, or undefined (no decode). */
  getDocumentSize(uid: number, id: string): number | undefined {
    return this.documents.getBinary([uid, id])?.length;
  }

  /** Writes a document record already encoded (inside a transaction). */
  putDocument(uid: number, id: string, record: Uint8Array): void {
    this.documents.putSync([uid, id], Buffer.from(record.buffer, record.byteOffset, record.byteLength));
  }

  /** Removes a document (inside a transaction). */
  removeDocument(uid: number, id: string): void {
    this.documents.removeSync([uid, id]);
  }

  /** Every document of one index incarnation, in id order. */
  *documentsOf(uid: number): Generator<{ id: string; stored: StoredDocument }> {
    for (const { key, value } of this.documents.getRange({ start: [uid], end: [uid + 1] })) {
      yield { id: key[1], stored: decodeRecord<StoredDocument>(value, 'document') };
    }
  }

  /** Up to `limit` documents of one index incarnation with ids after `afterId` (all when absent), in id order. */
  documentsAfter(uid: number, afterId: string | undefined, limit: number): ScannedDocument[] {
    const page: ScannedDocument[] = [];
    const start: [number, string] = [uid, afterId ?? ''];
    for (const { key, value } of this.documents.getRange({ start, end: [uid + 1] })) {
      if (afterId !== undefined && key[1] === afterId) continue;
      const stored = decodeRecord<StoredDocument>(value, 'document');
      page.push({
        id: key[1],
        version: stored.version,
        doc: stored.doc,
        ...(stored.routingKey === undefined ? {} : { routingKey: stored.routingKey }),
        stamp: stored.stamp ?? 0,
      });
      if (page.length >= limit) break;
    }
    return page;
  }

  /** Remembers that a document was deleted (inside a transaction). */
  putTombstone(uid: number, id: string, tombstone: Tombstone): void {
    const { byKey, byTime } = this.writableTombstones();
    const previous = this.getTombstone(uid, id);
    if (previous !== undefined) byTime.removeSync([previous.atMs, uid, id]);
    byKey.putSync([uid, id], encodeRecord({ atMs: tombstone.atMs, stamp: tombstone.stamp }));
    byTime.putSync([tombstone.atMs, uid, id], EMPTY);
  }

  /**
   * When and at which stamp the document was deleted, if that is remembered. A tombstone
   * written before stamps existed holds only its time: its stamp is the first of that
   * millisecond (a copy written later by the wall clock is newer than the delete).
   */
  getTombstone(uid: number, id: string): Tombstone | undefined {
    const bytes = this.writableTombstones().byKey.getBinary([uid, id]);
    if (bytes === undefined) return undefined;
    const stored = decodeRecord<unknown>(bytes, 'tombstone');
    if (typeof stored === 'number') return { atMs: stored, stamp: stampOfTime(stored) };
    const { atMs, stamp } = (stored ?? {}) as Partial<Tombstone>;
    if (typeof atMs !== 'number' || typeof stamp !== 'number')
      throw new StorageError(`corrupt tombstone record in LMDB for ${JSON.stringify(id)}`);
    return { atMs, stamp };
  }

  /** Forgets up to `limit` tombstones written before `beforeMs` (oldest first); returns how many. */
  pruneTombstones(beforeMs: number, limit = 100_000): number {
    const { byKey, byTime } = this.writableTombstones();
    return this.transaction(() => {
      let removed = 0;
      for (const key of byTime.getKeys({ end: [beforeMs], limit })) {
        const [, uid, id] = key;
        byTime.removeSync(key);
        byKey.removeSync([uid, id]);
        removed += 1;
      }
      return removed;
    });
  }

  private writableTombstones(): {
    byKey: Database<Buffer, [number, string]>;
    byTime: Database<Buffer, [number, number, string]>;
  } {
    if (this.tombstones === undefined || this.tombstoneTimes === undefined)
      throw new TypeError('tombstones are kept by the writer only');
    return { byKey: this.tombstones, byTime: this.tombstoneTimes };
  }

  /** Removes every document of one index incarnation (inside a transaction); returns how many. */
  removeDocumentsOf(uid: number): number {
    let removed = 0;
    for (const key of this.documents.getKeys({ start: [uid], end: [uid + 1] })) {
      this.documents.removeSync(key);
      removed += 1;
    }
    return removed;
  }

  /** The metadata of an index, or undefined when it does not exist. */
  getIndex(name: string): IndexMetadata | undefined {
    const bytes = this.meta.getBinary(INDEX_PREFIX + name);
    return bytes === undefined ? undefined : decodeRecord<IndexMetadata>(bytes, 'index metadata');
  }

  /** Names of all indexes. */
  indexNames(): string[] {
    const names: string[] = [];
    for (const key of this.meta.getKeys({ start: INDEX_PREFIX, end: 'index;' })) {
      names.push(key.slice(INDEX_PREFIX.length));
    }
    return names;
  }

  /** Writes an index's metadata (inside a transaction). */
  putIndex(metadata: IndexMetadata): void {
    this.meta.putSync(INDEX_PREFIX + metadata.schema.name, encodeRecord(metadata));
  }

  /** Removes an index's metadata (inside a transaction). */
  removeIndex(name: string): void {
    this.meta.removeSync(INDEX_PREFIX + name);
  }

  /** A counter from the meta database (0 when never written). */
  private counter(key: string): number {
    const bytes = this.meta.getBinary(key);
    return bytes === undefined ? 0 : decodeRecord<number>(bytes, 'counter');
  }

  private setCounter(key: string, value: number): void {
    this.meta.putSync(key, encodeRecord(value));
  }

  /** The last sequence number assigned (0 before the first write). */
  lastSequence(): number {
    return this.counter(KEY_LAST_SEQUENCE);
  }

  /** Takes the next sequence number (inside a transaction). */
  takeSequence(): number {
    const next = this.lastSequence() + 1;
    this.setCounter(KEY_LAST_SEQUENCE, next);
    return next;
  }

  /** The last hybrid logical clock stamp taken or received by this shard (0 before the first). */
  lastStamp(): number {
    return this.counter(KEY_LAST_STAMP);
  }

  /** Persists the last stamp (inside a transaction), so the clock starts above it after a restart. */
  setLastStamp(stamp: number): void {
    this.setCounter(KEY_LAST_STAMP, stamp);
  }

  /** Takes `count` consecutive document numbers (inside a transaction); returns the first. */
  takeDocNumbers(count: number): number {
    const first = Math.max(1, this.counter(KEY_NEXT_DOC_NUMBER));
    this.setCounter(KEY_NEXT_DOC_NUMBER, first + count);
    return first;
  }

  /** Takes the uid of a new index incarnation (inside a transaction). */
  takeIndexUid(): number {
    const next = this.counter(KEY_NEXT_INDEX_UID) + 1;
    this.setCounter(KEY_NEXT_INDEX_UID, next);
    return next;
  }

  /** Appends a log entry (inside a transaction). */
  appendLog(entry: LogEntry): void {
    this.log.putSync(entry.sequence, encodeRecord(entry));
  }

  /** A log entry, or undefined when trimmed or never written. */
  getLog(sequence: number): LogEntry | undefined {
    const bytes = this.log.getBinary(sequence);
    return bytes === undefined ? undefined : decodeRecord<LogEntry>(bytes, 'log entry');
  }

  /** Number of entries in the log and the lowest sequence kept. */
  logInfo(): { entries: number; first: number | undefined } {
    let first: number | undefined;
    for (const key of this.log.getKeys({ limit: 1 })) first = key;
    return { entries: this.log.getCount(), first };
  }

  /** Removes log entries with sequence <= `upTo`; returns how many. */
  trimLog(upTo: number): number {
    return this.transaction(() => {
      let removed = 0;
      for (const key of this.log.getKeys({ end: upTo + 1 })) {
        this.log.removeSync(key);
        removed += 1;
      }
      return removed;
    });
  }

  /** Bytes the LMDB environment occupies on disk. */
  bytesOnDisk(): number {
    const stats = this.root.getStats() as { mapSize?: number; pageSize?: number; lastPageNumber?: number };
    return (stats.lastPageNumber ?? 0) * (stats.pageSize ?? 4096);
  }

  /** Closes the environment. */
  close(): void {
    void this.root.close();
  }
}
