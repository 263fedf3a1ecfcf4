/**
 * The contract both systems under test implement, so every workload runs the same code
 * against CameoDB (HTTP) and PostgreSQL (`pg`). Each method resolves only when the system
 * has acknowledged the operation (for writes: durably committed).
 * @module
 */
import type { CorpusDocument } from './corpus.js';
import type { BenchQuery } from './queries.js';

/** The two systems compared. */
export const SYSTEMS = ['CameoDB', 'PostgreSQL'] as const;
/** One of the systems compared. */
export type SystemName = (typeof SYSTEMS)[number];

/** A system under test, already started and prepared (schema/table created, empty). */
export interface BenchTarget {
  readonly system: SystemName;
  /** Writes one batch in one request/statement; resolves when acknowledged. */
  bulkInsert(documents: readonly CorpusDocument[]): Promise<void>;
  /**
   * Called once after the initial bulk load, before the searches: what an operator would do
   * after a large import (Postgres: ANALYZE, so the planner has statistics before autovacuum
   * gets to it; CameoDB: nothing, an acknowledged write is already searchable).
   */
  afterBulkLoad(): Promise<void>;
  /** Writes one document durably (upsert). */
  putDocument(document: CorpusDocument): Promise<void>;
  /** Reads one document by id; undefined when absent. */
  getDocument(id: string): Promise<CorpusDocument | undefined>;
  /** The ids of the top `limit` hits by the system's relevance score. */
  search(query: BenchQuery, limit: number): Promise<string[]>;
  /** How many documents match `query` (no limit): checks that both systems match the same set. */
  countMatches(query: BenchQuery): Promise<number>;
  /** Releases client resources (connections, sockets); does not stop the server. */
  close(): Promise<void>;
}
