/**
 * Test helpers for storage tests: temporary shard directories, a silent logger, and direct
 * FTS5 lookups (test-only, independent of the query module) to check what SQLite holds.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ShardStore, WriteOperation } from '../../storage/index.js';

/** A logger that writes nothing. */
export const silentLogger = pino({ level: 'silent' });

/** A fresh temporary directory; `cleanup` removes it. */
export function temporaryDirectory(prefix = 'cameodb-shard-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Ids of documents whose FTS row matches `term` (an FTS5 bareword) in any column. */
export function ftsIds(store: ShardStore, index: string, term: string): string[] {
  const search = store.searchIndex;
  const record = search.layoutRecord(index);
  if (record === undefined) return [];
  const { ftsTable, docsTable } = record.layout;
  const rows = search.db
    .prepare(
      `SELECT d.id AS id FROM ${ftsTable} f JOIN ${docsTable} d ON d.rowid = f.rowid WHERE ${ftsTable} MATCH ? ORDER BY d.id`,
    )
    .all(term) as { id: string }[];
  return rows.map((row) => row.id);
}

/** Document numbers with an FTS row matching `term`, with or without a docs row. */
export function ftsRowids(store: ShardStore, index: string, term: string): number[] {
  const record = store.searchIndex.layoutRecord(index);
  if (record === undefined) return [];
  const { ftsTable } = record.layout;
  return (
    store.searchIndex.db.prepare(`SELECT rowid FROM ${ftsTable} WHERE ${ftsTable} MATCH ?`).all(term) as {
      rowid: number;
    }[]
  ).map((row) => row.rowid);
}

/** Ids in the docs table of an index. */
export function docsTableIds(store: ShardStore, index: string): string[] {
  const record = store.searchIndex.layoutRecord(index);
  if (record === undefined) return [];
  return (
    store.searchIndex.db.prepare(`SELECT id FROM ${record.layout.docsTable} ORDER BY id`).all() as {
      id: string;
    }[]
  ).map((row) => row.id);
}

/** A handed-off copy of a `notes` document `{ text }` (rebalancing), with its version and stamp. */
export function adoptNote(id: string, text: string, version: number, stamp?: number): WriteOperation {
  return {
    kind: 'adopt',
    position: 0,
    index: 'notes',
    id,
    doc: { text },
    version,
    ...(stamp === undefined ? {} : { stamp }),
  };
}
