/**
 * Brings SQLite up to LMDB: applies every write-ahead log entry above the watermark, in
 * order, in one SQLite transaction that also moves the watermark. The same code serves the
 * normal write path (usually exactly one entry, with its documents still in memory) and
 * recovery after a crash (entries read back from the log). Every step is idempotent, so an
 * entry applied twice leaves the same state.
 *
 * Table shape follows the *current* LMDB metadata of each index (not the metadata as of the
 * entry): history is replayed onto the newest layout, and later entries repair whatever an
 * earlier one left out of date.
 * @module
 */
import { StorageError, type JsonObject } from '../messages/index.js';
import type { DocumentStore, LogEntry, StoredDocument } from './document-store.js';
import { extractDocument } from './document-validation.js';
import { layoutOf, type IndexMetadata } from './index-metadata.js';
import type { IndexLayout } from './layout.js';
import type { StorageLogger } from './logger.js';
import { decodeRecord } from './record-codec.js';
import type { LayoutRecord, SearchIndex } from './search-index.js';

/** A log entry still in memory, with the documents of its upserts already decoded. */
export interface PendingEntry {
  readonly entry: LogEntry;
  /** Aligned with `entry.changes`: the document of each upsert. */
  readonly documents: readonly (JsonObject | undefined)[];
}

const PROGRESS_EVERY = 10_000;

/** What one catch-up knows about an index. */
interface IndexState {
  readonly metadata: IndexMetadata | undefined;
  readonly layout: IndexLayout | undefined;
  /** The tables were refilled from LMDB in this catch-up (LMDB is ahead of the entries). */
  readonly filledFromLmdb: boolean;
}

/** Applies log entries from LMDB to SQLite. */
export class IndexApplier {
  constructor(
    private readonly documents: DocumentStore,
    private readonly search: SearchIndex,
    private readonly logger: StorageLogger,
  ) {}

  /**
   * Applies entries (watermark, upTo] in one SQLite transaction; `pending` supplies an entry
   * without reading it back. Returns how many entries were applied (0 when another writer
   * instance already did).
   */
  catchUp(upTo: number, pending?: PendingEntry): number {
    return this.search.writeTransaction(() => {
      const watermark = this.search.watermark();
      if (watermark >= upTo) return 0;
      const current = new Map<string, IndexState>();
      const stateOf = (index: string): IndexState => {
        let state = current.get(index);
        if (state === undefined) {
          const metadata = this.documents.getIndex(index);
          const filledFromLmdb = this.reconcile(index, metadata);
          state = {
            metadata,
            layout: metadata === undefined ? undefined : layoutOf(metadata),
            filledFromLmdb,
          };
          current.set(index, state);
        }
        return state;
      };
      for (let sequence = watermark + 1; sequence <= upTo; sequence += 1) {
        const known = pending !== undefined && pending.entry.sequence === sequence ? pending : undefined;
        const entry = known?.entry ?? this.documents.getLog(sequence);
        if (entry === undefined) {
          throw new StorageError(`write-ahead log entry ${sequence} is missing (watermark ${watermark})`);
        }
        entry.changes.forEach((change, position) => {
          const { metadata, layout, filledFromLmdb } = stateOf(change.index);
          if (metadata === undefined || layout === undefined || metadata.uid !== change.uid) return;
          switch (change.kind) {
            case 'schema':
              return;
            case 'delete':
              this.search.removeDocument(layout, change.docNumber);
              return;
            case 'upsert': {
              const doc =
                known?.documents[position] ?? decodeRecord<StoredDocument>(change.record, 'document').doc;
              const extracted = extractDocument(layout, doc);
              // A fresh id has no rows to remove, unless this catch-up refilled the tables from
              // LMDB, which is ahead of the entry (then the fill already holds the document).
              if (change.fresh === true && !filledFromLmdb) {
                this.search.insertNewDocument(layout, change.docNumber, change.id, extracted);
              } else {
                this.search.removeDocumentById(layout, change.id);
                this.search.insertDocument(layout, change.docNumber, change.id, extracted);
              }
              return;
            }
            default: {
              const never: never = change;
              throw new StorageError(`unknown log change ${JSON.stringify(never)}`);
            }
          }
        });
      }
      this.search.setWatermark(upTo);
      return upTo - watermark;
    });
  }

  /**
   * Drops SQLite's tables of every index and rebuilds them from LMDB, then sets the watermark
   * to `watermark`. Used when the log cannot bridge the gap (a lost or replaced SQLite file).
   */
  rebuildAll(watermark: number): void {
    this.search.writeTransaction(() => {
      for (const record of this.search.layoutRecords()) {
        this.dropTables(record);
        this.search.removeLayoutRecord(record.name);
      }
      for (const name of this.documents.indexNames()) this.reconcile(name, this.documents.getIndex(name));
      this.search.setWatermark(watermark);
    });
  }

  /**
   * Makes SQLite's tables of one index match its LMDB metadata (inside the transaction).
   * Returns true when it refilled the docs table from LMDB's current documents.
   */
  private reconcile(index: string, metadata: IndexMetadata | undefined): boolean {
    const record = this.search.layoutRecord(index);
    if (metadata === undefined) {
      if (record !== undefined) {
        this.dropTables(record);
        this.search.removeLayoutRecord(index);
      }
      return false;
    }
    const layout = layoutOf(metadata);
    const newRecord: LayoutRecord = {
      name: index,
      uid: metadata.uid,
      tableGeneration: metadata.tableGeneration,
      ftsGeneration: metadata.ftsGeneration,
      layout,
      schema: metadata.schema,
    };
    if (
      record === undefined ||
      record.uid !== metadata.uid ||
      record.tableGeneration !== metadata.tableGeneration
    ) {
      if (record !== undefined) this.dropTables(record);
      this.search.createFtsTable(layout);
      this.search.createValueTables(layout);
      this.fill(index, metadata, layout, 'all');
      this.search.putLayoutRecord(newRecord);
      return true;
    }
    if (record.ftsGeneration !== metadata.ftsGeneration) {
      this.search.dropTable(record.layout.ftsTable);
      this.search.createFtsTable(layout);
      this.fill(index, metadata, layout, 'fts');
    }
    const layoutChanged = JSON.stringify(record.layout) !== JSON.stringify(layout);
    if (!layoutChanged && JSON.stringify(record.schema) === JSON.stringify(metadata.schema)) return false; // the common case
    const columns = this.search.docsColumns(layout.docsTable);
    for (const field of layout.valueFields) {
      // A field first seen now: no older document has a value for it, so nothing to backfill.
      if (field.sortColumn !== undefined && !columns.has(field.sortColumn))
        this.search.addSortColumn(layout, field.sortColumn);
    }
    this.search.putLayoutRecord(newRecord);
    return false;
  }

  private dropTables(record: LayoutRecord): void {
    this.search.dropTable(record.layout.ftsTable);
    this.search.dropTable(record.layout.docsTable);
    this.search.dropTable(record.layout.valuesTable);
  }

  /**
   * Fills freshly created tables of an index from its documents in LMDB. A full fill takes
   * every LMDB document. An FTS-only fill takes exactly the documents of the docs table (with
   * their LMDB content when it is still the same document number): LMDB may be ahead of the
   * docs table by the entries still being applied, and an FTS row without its docs row would
   * never be deleted by those entries' upserts.
   */
  private fill(index: string, metadata: IndexMetadata, layout: IndexLayout, what: 'all' | 'fts'): void {
    const started = Date.now();
    // Creating a new index also "rebuilds" (from its first group): only big rebuilds are news.
    const level = metadata.documents >= PROGRESS_EVERY ? 'info' : 'debug';
    this.logger[level]({ index, what, documents: metadata.documents }, 'rebuilding index tables from LMDB');
    let done = 0;
    const progress = (): void => {
      done += 1;
      if (done % PROGRESS_EVERY === 0) {
        this.logger.info({ index, what, done, of: metadata.documents }, 'rebuilding index tables: progress');
      }
    };
    if (what === 'all') {
      for (const { id, stored } of this.documents.documentsOf(metadata.uid)) {
        this.search.insertDocument(layout, stored.docNumber, id, extractDocument(layout, stored.doc));
        progress();
      }
    } else {
      const ftsOnly: IndexLayout = { ...layout, valueFields: [] };
      for (const { rowid, id } of this.search.docsRows(layout)) {
        const found = this.documents.getDocument(metadata.uid, id);
        if (found !== undefined && found.stored.docNumber === rowid) {
          const extracted = extractDocument(ftsOnly, found.stored.doc);
          if (extracted.texts.some((text) => text !== null))
            this.search.insertFtsOnly(layout, rowid, extracted);
        }
        progress();
      }
    }
    this.logger[level]({ index, what, documents: done, ms: Date.now() - started }, 'rebuilt index tables');
  }
}
