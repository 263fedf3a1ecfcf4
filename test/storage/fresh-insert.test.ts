/**
 * Upserts of ids with no live document skip the lookup of old SQLite rows (the log change's
 * `fresh` hint), and FTS totals are written once per transaction. These tests replay such
 * inserts after a simulated crash, over tables refilled from LMDB, and check that a wrong
 * hint and a rolled-back transaction leave SQLite consistent.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SHARD_FILES, ShardStore, type IndexLayout } from '../../storage/index.js';
import { docsTableIds, ftsIds, silentLogger, temporaryDirectory } from './shard-helpers.js';

function bulk(store: ShardStore, from: number, count: number, word: string): void {
  const results = store.applyWrites(
    Array.from({ length: count }, (_, offset) => ({
      kind: 'upsert' as const,
      position: offset,
      index: 'p',
      id: `doc-${from + offset}`,
      doc: { title: `${word} number ${from + offset}`, n: from + offset },
    })),
  );
  expect(results.every((result) => result.ok && result.result === 'created')).toBe(true);
}

function layoutOf(store: ShardStore): IndexLayout {
  const layout = store.searchIndex.layoutRecord('p')?.layout;
  if (layout === undefined) throw new Error('index p has no layout');
  return layout;
}

/** What SQLite would store for `{ title: text, n }` under `layout`. */
function extracted(layout: IndexLayout, text: string, n: number) {
  return {
    texts: layout.textFields.map((field) => (field.field === 'title' ? text : null)),
    sortValues: layout.valueFields.flatMap((field) =>
      field.sortColumn === undefined
        ? []
        : [[field.sortColumn, field.field === 'n' ? n : null] as [string, number | null]],
    ),
    values: layout.valueFields.flatMap((field) =>
      field.fieldNumber === undefined || field.field !== 'n'
        ? []
        : [[field.fieldNumber, n] as [number, number]],
    ),
  };
}

describe('fresh inserts', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let reference: ReturnType<typeof temporaryDirectory>;

  beforeEach(() => {
    directory = temporaryDirectory();
    reference = temporaryDirectory();
  });
  afterEach(() => {
    directory.cleanup();
    reference.cleanup();
  });

  it('replay after a crash, also when the catch-up refills the tables from LMDB first', () => {
    const sqlite = join(directory.path, SHARD_FILES.sqlite);
    const saved = join(directory.path, 'saved.sqlite');
    let store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 0 });
    bulk(store, 0, 10, 'apple');
    store.compact();
    store.close();
    copyFileSync(sqlite, saved);
    // Fresh inserts, a schema change that rebuilds the docs and values tables (a new fast
    // field), more fresh inserts; then SQLite goes back to before all of them.
    store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 0 });
    bulk(store, 10, 10, 'banana');
    store.patchSchema('p', {
      fields: [{ name: 'tag', type: 'string', indexed: true, stored: true, fast: true }],
    });
    bulk(store, 20, 10, 'cherry');
    store.close();
    rmSync(`${sqlite}-wal`, { force: true });
    rmSync(`${sqlite}-shm`, { force: true });
    copyFileSync(saved, sqlite);

    // The same documents written without a crash.
    const clean = new ShardStore(reference.path, { logger: silentLogger });
    bulk(clean, 0, 10, 'apple');
    bulk(clean, 10, 10, 'banana');
    bulk(clean, 20, 10, 'cherry');

    store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      expect(store.stats().watermark).toBe(store.stats().lastSequence);
      expect(docsTableIds(store, 'p')).toHaveLength(30);
      expect(ftsIds(store, 'p', 'banana')).toHaveLength(10);
      expect(ftsIds(store, 'p', 'cherry')).toHaveLength(10);
      expect(ftsIds(store, 'p', 'number')).toHaveLength(30);
      expect(store.searchIndex.integrityProblems()).toEqual([]);
      const totals = store.searchIndex.corpusTotals(layoutOf(store).ftsTable);
      expect(totals).toEqual(clean.searchIndex.corpusTotals(layoutOf(clean).ftsTable));
      expect(totals.documents).toBe(30);
      expect(store.search('p', { query: 'n:25', limit: 10, offset: 0 }).hits.map((hit) => hit.id)).toEqual([
        'doc-25',
      ]);
    } finally {
      store.close();
      clean.close();
    }
  });

  it('replaces old rows when the hint is wrong (the id already has rows)', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      bulk(store, 0, 3, 'apple');
      const layout = layoutOf(store);
      const search = store.searchIndex;
      const before = search.corpusTotals(layout.ftsTable);
      const docNumber = (
        search.db.prepare(`SELECT rowid FROM ${layout.docsTable} WHERE id = ?`).get('doc-1') as {
          rowid: number;
        }
      ).rowid;
      // Same id under a new number, then the same number and id again (a refill's duplicate).
      search.writeTransaction(() => {
        search.insertNewDocument(layout, docNumber + 100, 'doc-1', extracted(layout, 'plum words', 41));
        search.insertNewDocument(layout, docNumber + 100, 'doc-1', extracted(layout, 'plum words', 41));
      });
      expect(docsTableIds(store, 'p')).toEqual(['doc-0', 'doc-1', 'doc-2']);
      expect(ftsIds(store, 'p', 'plum')).toEqual(['doc-1']);
      expect(ftsIds(store, 'p', 'apple')).toEqual(['doc-0', 'doc-2']);
      expect(search.integrityProblems()).toEqual([]);
      const after = search.corpusTotals(layout.ftsTable);
      expect(after.documents).toBe(before.documents);
      // "apple number 1" (3 tokens) became "plum words" (2 tokens).
      expect(after.tokens).toBe(before.tokens - 1);
      const nField = layout.valueFields.find((field) => field.field === 'n');
      expect(
        search.db
          .prepare(`SELECT doc FROM ${layout.valuesTable} WHERE field = ? AND value = 41`)
          .all(nField?.fieldNumber),
      ).toEqual([{ doc: docNumber + 100 }]);
    } finally {
      store.close();
    }
  });

  it('count the rows a group inserts, replaces and deletes exactly once', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    const clean = new ShardStore(reference.path, { logger: silentLogger });
    try {
      const upsert = (id: string, title: string) => ({
        kind: 'upsert' as const,
        index: 'p',
        id,
        doc: { title },
      });
      store.write('p', 'old', { title: 'kept from before' });
      store.applyWrites(
        [
          upsert('x', 'one two three'),
          upsert('x', 'four five'),
          upsert('y', 'six'),
          { kind: 'delete' as const, index: 'p', id: 'y' },
          upsert('old', 'seven eight nine ten'),
          upsert('z', 'eleven'),
        ].map((operation, position) => ({ ...operation, position })),
      );
      clean.applyWrites(
        [upsert('old', 'seven eight nine ten'), upsert('x', 'four five'), upsert('z', 'eleven')].map(
          (operation, position) => ({ ...operation, position }),
        ),
      );
      const totals = store.searchIndex.corpusTotals(layoutOf(store).ftsTable);
      expect(totals).toEqual({ documents: 3, tokens: 7 });
      expect(totals).toEqual(clean.searchIndex.corpusTotals(layoutOf(clean).ftsTable));
    } finally {
      store.close();
      clean.close();
    }
  });

  it('keep no totals of a rolled-back transaction', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      bulk(store, 0, 5, 'apple');
      const layout = layoutOf(store);
      const search = store.searchIndex;
      const before = search.corpusTotals(layout.ftsTable);
      expect(() =>
        search.writeTransaction(() => {
          search.insertDocument(layout, 10_000, 'ghost', extracted(layout, 'ghost words here', 1));
          throw new Error('abandoned');
        }),
      ).toThrow('abandoned');
      expect(search.corpusTotals(layout.ftsTable)).toEqual(before);
      expect(docsTableIds(store, 'p')).not.toContain('ghost');
      bulk(store, 5, 1, 'apple');
      expect(search.corpusTotals(layout.ftsTable)).toEqual({
        documents: before.documents + 1,
        tokens: before.tokens + 3,
      });
    } finally {
      store.close();
    }
  });
});
