/** Drop, stats, compaction with log trimming, recovery replay and the read-only reader. */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SHARD_FILES, ShardReader, ShardStore } from '../../storage/index.js';
import { docsTableIds, ftsIds, silentLogger, temporaryDirectory } from './shard-helpers.js';

function bulk(store: ShardStore, index: string, from: number, count: number, word: string): void {
  store.applyWrites(
    Array.from({ length: count }, (_, offset) => ({
      kind: 'upsert' as const,
      position: offset,
      index,
      id: `doc-${from + offset}`,
      doc: { title: `${word} number ${from + offset}`, n: from + offset },
    })),
  );
}

describe('ShardStore lifecycle', () => {
  let directory: ReturnType<typeof temporaryDirectory>;

  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(() => directory.cleanup());

  it('drops an index with its documents and tables', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      bulk(store, 'p', 0, 20, 'apple');
      bulk(store, 'q', 0, 5, 'pear');
      const tables = store.searchIndex.layoutRecord('p')?.layout;
      expect(store.dropIndex('p')).toBe(true);
      expect(store.dropIndex('p')).toBe(false);
      expect(store.getSchema('p')).toBeUndefined();
      expect(() => store.get('p', 'doc-1')).toThrow(/not found/);
      expect(store.searchIndex.tableExists(tables?.ftsTable ?? '')).toBe(false);
      expect(store.searchIndex.tableExists(tables?.docsTable ?? '')).toBe(false);
      expect(store.stats().indexes.map((index) => index.name)).toEqual(['q']);
      // Recreated under the same name: empty, new tables, new schema.
      store.write('p', 'fresh', { other: 'kiwi' });
      expect(docsTableIds(store, 'p')).toEqual(['fresh']);
      expect(ftsIds(store, 'p', 'apple')).toEqual([]);
      expect(store.getSchema('p')?.fields.map((field) => field.name)).toEqual(['other']);
    } finally {
      store.close();
    }
  });

  it('reports documents and bytes per index', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      bulk(store, 'p', 0, 100, 'apple');
      bulk(store, 'q', 0, 10, 'pear');
      store.delete('p', 'doc-0');
      const stats = store.stats();
      expect(stats.indexes.map((index) => [index.name, index.documents])).toEqual([
        ['p', 99],
        ['q', 10],
      ]);
      const [p, q] = stats.indexes;
      expect(p?.bytes).toBeGreaterThan(q?.bytes ?? Infinity);
      expect(stats.bytesOnDisk).toBeGreaterThan(p?.bytes ?? Infinity);
      expect(stats.watermark).toBe(stats.lastSequence);
    } finally {
      store.close();
    }
  });

  it('compacts: FTS optimize, durable checkpoint, log trimmed up to the watermark', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 0 });
    try {
      for (let round = 0; round < 10; round += 1) bulk(store, 'p', round * 10, 10, 'apple');
      expect(store.stats().logEntries).toBe(10);
      const result = store.compact();
      expect(result.durableWatermark).toBe(10);
      expect(result.trimmedLogEntries).toBe(10);
      expect(store.stats().logEntries).toBe(0);
      expect(store.searchIndex.integrityProblems()).toEqual([]);
      expect(ftsIds(store, 'p', 'apple')).toHaveLength(100);
      bulk(store, 'p', 100, 1, 'apple');
      expect(store.stats()).toMatchObject({ logEntries: 1, watermark: 11, lastSequence: 11 });
    } finally {
      store.close();
    }
  });

  it('trims the log automatically every N groups', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 5 });
    try {
      for (let round = 0; round < 12; round += 1) bulk(store, 'p', round, 1, 'apple');
      expect(store.stats().logEntries).toBe(2);
    } finally {
      store.close();
    }
  });

  it('replays log entries above the watermark on open (SQLite behind LMDB)', () => {
    const sqlite = join(directory.path, SHARD_FILES.sqlite);
    const saved = join(directory.path, 'saved.sqlite');
    let store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 0 });
    bulk(store, 'p', 0, 10, 'apple');
    store.compact(); // everything in the main file; the log is empty up to here
    store.close();
    copyFileSync(sqlite, saved);
    // These groups reach LMDB and SQLite; then SQLite is rolled back to before them, as if
    // the process had died between the LMDB commit and the SQLite commit.
    store = new ShardStore(directory.path, { logger: silentLogger, trimEveryGroups: 0 });
    bulk(store, 'p', 10, 10, 'banana');
    store.delete('p', 'doc-0');
    store.write('p', 'doc-1', { title: 'cherry replaced', n: 1 });
    store.write('p', 'doc-1', { title: 'cherry replaced again', n: 1, summary: 'new text field' });
    store.close();
    rmSync(`${sqlite}-wal`, { force: true });
    rmSync(`${sqlite}-shm`, { force: true });
    copyFileSync(saved, sqlite);

    store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      expect(store.stats().watermark).toBe(store.stats().lastSequence);
      expect(ftsIds(store, 'p', 'banana')).toHaveLength(10);
      expect(ftsIds(store, 'p', 'cherry')).toEqual(['doc-1']);
      expect(ftsIds(store, 'p', 'field')).toEqual(['doc-1']);
      expect(ftsIds(store, 'p', 'apple')).toHaveLength(8);
      expect(docsTableIds(store, 'p')).not.toContain('doc-0');
      expect(store.get('p', 'doc-1')?.version).toBe(3);
      expect(store.searchIndex.integrityProblems()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('rebuilds SQLite from LMDB when the SQLite file is lost after the log was trimmed', () => {
    let store = new ShardStore(directory.path, { logger: silentLogger });
    bulk(store, 'p', 0, 30, 'apple');
    store.compact();
    store.close();
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(join(directory.path, SHARD_FILES.sqlite + suffix), { force: true });
    store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      expect(ftsIds(store, 'p', 'apple')).toHaveLength(30);
      expect(store.stats().watermark).toBe(store.stats().lastSequence);
    } finally {
      store.close();
    }
  });

  it('reads through a ShardReader beside the writer, and closing the reader leaves the writer working', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      expect(existsSync(join(directory.path, SHARD_FILES.sqlite))).toBe(true);
      bulk(store, 'p', 0, 5, 'apple');
      const reader = new ShardReader(directory.path);
      expect(reader.get('p', 'doc-3')?.doc).toEqual({ title: 'apple number 3', n: 3 });
      bulk(store, 'p', 5, 5, 'apple');
      expect(reader.get('p', 'doc-7')?.version).toBe(1);
      expect(reader.stats().indexes[0]?.documents).toBe(10);
      expect(reader.getSchema('p')?.fields.map((field) => field.name)).toEqual(['title', 'n']);
      reader.close();
      bulk(store, 'p', 10, 5, 'apple');
      expect(store.get('p', 'doc-12')?.version).toBe(1);
      expect(ftsIds(store, 'p', 'apple')).toHaveLength(15);
    } finally {
      store.close();
    }
    expect(() => new ShardReader(join(directory.path, 'missing'))).toThrow(/does not exist/);
  });
});
