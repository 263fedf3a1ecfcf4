/**
 * Reads of one shard, shared by the writer (ShardStore) and read-only instances
 * (ShardReader): get by id, schema, stats. Searches are in shard-search.ts.
 * @module
 */
import { statSync } from 'node:fs';
import {
  IndexNotFoundError,
  documentId,
  indexName,
  type IndexSchema,
  type IndexStats,
  type JsonObject,
} from '../messages/index.js';
import type { DocumentStore, ScannedDocument } from './document-store.js';
import type { SearchIndex } from './search-index.js';

/** A document read by id. */
export interface FoundDocument {
  readonly id: string;
  readonly version: number;
  readonly doc: JsonObject;
  /**
   * The version's hybrid logical clock stamp (0 for a record written before stamps), when
   * asked for (`withStamp`): the worker's get task does, so a read repair can hand it on.
   */
  readonly stamp?: number;
}

/** One page of a scan of an index's documents. */
export interface DocumentPage {
  readonly documents: ScannedDocument[];
  /** Continue after this id; absent on the last page. */
  readonly next?: string;
}

/** The number of documents of one index. */
export interface DocumentCount {
  readonly name: string;
  readonly documents: number;
}

/** Documents and bytes of every index, the shard's bytes on disk and its watermark. */
export interface ShardStats {
  readonly indexes: IndexStats[];
  readonly bytesOnDisk: number;
  readonly watermark: number;
  /** The last sequence number written to LMDB. */
  readonly lastSequence: number;
  /** Write-ahead log entries not yet trimmed. */
  readonly logEntries: number;
}

/** Read operations over an LMDB environment and a SQLite connection. */
export class ShardQueries {
  constructor(
    readonly documents: DocumentStore,
    readonly search: SearchIndex,
    private readonly lmdbPath: string,
  ) {}

  /** The document with `id`, or undefined; IndexNotFoundError when the index does not exist. */
  get(index: string, id: string, options: { readonly withStamp?: boolean } = {}): FoundDocument | undefined {
    this.documents.refreshSnapshot();
    const metadata = this.documents.getIndex(indexName(index));
    if (metadata === undefined) throw new IndexNotFoundError(index);
    const found = this.documents.getDocument(metadata.uid, documentId(id));
    if (found === undefined) return undefined;
    const { version, doc } = found.stored;
    return options.withStamp === true
      ? { id, version, doc, stamp: found.stored.stamp ?? 0 }
      : { id, version, doc };
  }

  /**
   * One page of an index's documents in id order, after `afterId` (from the start when
   * absent); `next` is the id to continue after, absent on the last page. An index that does
   * not exist on this shard has no documents.
   */
  scan(index: string, afterId: string | undefined, limit: number): DocumentPage {
    this.documents.refreshSnapshot();
    const metadata = this.documents.getIndex(indexName(index));
    if (metadata === undefined) return { documents: [] };
    const documents = this.documents.documentsAfter(metadata.uid, afterId, limit);
    const last = documents.at(-1);
    return documents.length < limit || last === undefined ? { documents } : { documents, next: last.id };
  }

  /** The schema of an index, or undefined when it does not exist. */
  getSchema(index: string): IndexSchema | undefined {
    this.documents.refreshSnapshot();
    return this.documents.getIndex(indexName(index))?.schema;
  }

  /** Names of the indexes of this shard. */
  indexNames(): string[] {
    this.documents.refreshSnapshot();
    return this.documents.indexNames();
  }

  /** Documents per index, from LMDB's index metadata: no page of SQLite is read. */
  documentCounts(): DocumentCount[] {
    this.documents.refreshSnapshot();
    const counts: DocumentCount[] = [];
    for (const name of this.documents.indexNames()) {
      const metadata = this.documents.getIndex(name);
      if (metadata !== undefined) counts.push({ name, documents: metadata.documents });
    }
    return counts;
  }

  /**
   * Documents and bytes on disk per index (LMDB records + SQLite tables). Measuring a
   * table's bytes reads every page of it (dbstat): the cost grows with the shard.
   */
  stats(): ShardStats {
    const indexes: IndexStats[] = [];
    this.documents.refreshSnapshot();
    const records = this.search.readTransaction(
      () =>
        new Map(
          this.search.layoutRecords().map((record) => [record.name, this.search.tableBytes(record.layout)]),
        ),
    );
    for (const name of this.documents.indexNames()) {
      const metadata = this.documents.getIndex(name);
      if (metadata === undefined) continue;
      indexes.push({
        name,
        documents: metadata.documents,
        bytes: metadata.storedBytes + (records.get(name) ?? 0),
      });
    }
    const log = this.documents.logInfo();
    return {
      indexes,
      bytesOnDisk: this.bytesOnDisk(),
      watermark: this.search.watermark(),
      lastSequence: this.documents.lastSequence(),
      logEntries: log.entries,
    };
  }

  /** Bytes of the shard's files: LMDB data and SQLite database plus its WAL. */
  bytesOnDisk(): number {
    return [`${this.lmdbPath}/data.mdb`, this.search.path, `${this.search.path}-wal`].reduce(
      (sum, file) => sum + fileSize(file),
      0,
    );
  }
}

function fileSize(path: string): number {
  try {
    // Allocated blocks, not the apparent size: LMDB's map file is sparse.
    const stats = statSync(path);
    return Math.min(stats.size, stats.blocks * 512);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
