/**
 * A read-only view of one shard for other worker threads: its own read-only LMDB
 * environment and read-only SQLite connection. SQLite's WAL lets it search beside the
 * writer's bulk load and see only whole committed groups.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError, type IndexSchema, type SearchHit, type SearchSpec } from '../messages/index.js';
import { DocumentStore } from './document-store.js';
import { SearchIndex } from './search-index.js';
import { ShardQueries, type FoundDocument, type ShardStats } from './shard-queries.js';
import { searchShard } from './node-search.js';
import { countShard } from './shard-search.js';
import { SHARD_FILES } from './shard-store.js';

/** Read-only access to a shard that a ShardStore has created. */
export class ShardReader {
  readonly path: string;
  private readonly queries: ShardQueries;
  private closed = false;

  /** Opens the shard at `path` read-only; StorageError when no ShardStore created it yet. */
  constructor(path: string) {
    this.path = path;
    const lmdbPath = join(path, SHARD_FILES.lmdb);
    const sqlitePath = join(path, SHARD_FILES.sqlite);
    if (!existsSync(join(lmdbPath, 'data.mdb')) || !existsSync(sqlitePath)) {
      throw new StorageError(`shard ${path} does not exist yet (open a ShardStore first)`);
    }
    this.queries = new ShardQueries(
      new DocumentStore(lmdbPath, { readOnly: true }),
      new SearchIndex(sqlitePath, { readOnly: true }),
      lmdbPath,
    );
  }

  /** The document with `id`, or undefined. */
  get(index: string, id: string): FoundDocument | undefined {
    return this.open().get(index, id);
  }

  /** Top hits of a query string (see storage/query) and the total hit count. */
  search(index: string, spec: SearchSpec): { hits: SearchHit[]; totalHits: number } {
    return searchShard(this.open(), index, spec);
  }

  /** Number of documents matching a query string. */
  count(index: string, query: string): number {
    return countShard(this.open(), index, query);
  }

  /** The schema of an index, or undefined. */
  getSchema(index: string): IndexSchema | undefined {
    return this.open().getSchema(index);
  }

  /** Documents and bytes per index. */
  stats(): ShardStats {
    return this.open().stats();
  }

  /** The read operations (search, count). */
  get reads(): ShardQueries {
    return this.open();
  }

  /** Closes both connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queries.search.close();
    this.queries.documents.close();
  }

  private open(): ShardQueries {
    if (this.closed) throw new StorageError(`shard reader ${this.path} is closed`);
    return this.queries;
  }
}
