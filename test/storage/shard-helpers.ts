/**
 * Test helpers for storage tests: temporary shard directories, a silent logger, and direct
 * FTS5 lookups (test-only, independent of the query module) to check what SQLite holds.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { ShardStore, WriteOperation } from '../../storage/index.js';
import { loadRankingExtension } from '../../storage/native-extension.js';

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

/** A small deterministic generator (mulberry32), so a test corpus is the same every run. */
export function seededGenerator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` words of `vocabulary`, skewed towards its first words, so document frequencies
 * differ a lot between words.
 */
export function skewedSentence(random: () => number, vocabulary: readonly string[], count: number): string {
  return Array.from({ length: count }, () => vocabulary[Math.floor(random() ** 2 * vocabulary.length)]).join(
    ' ',
  );
}

/**
 * An in-memory database with the ranking extension loaded and an empty FTS5 table
 * `f(a, b)` laid out as a shard's (contentless, deletes allowed).
 */
export function rankingTable(): Database.Database {
  const db = new Database(':memory:');
  loadRankingExtension(db);
  db.exec(`CREATE VIRTUAL TABLE f USING fts5(a, b, content='', contentless_delete=1)`);
  return db;
}

/** cameo_top's result blob as its number of matches and its [rowid, score] rows, best first. */
export function decodeTop(blob: Buffer | undefined): { matches: number; rows: [number, number][] } {
  if (blob === undefined) return { matches: 0, rows: [] };
  const values = new Float64Array(Uint8Array.from(blob).buffer);
  const rows: [number, number][] = [];
  for (let at = 1; at + 1 < values.length; at += 2) rows.push([values[at]!, values[at + 1]!]);
  return { matches: values[0]!, rows };
}
