/**
 * cameo_top: the best k rows of a one-phrase search in one walk of its matches. It must
 * give exactly what ranking row by row in SQL gives (same rows, order, scores to the bit,
 * same number of matches), also after updates and deletes, and a shard search must use it
 * only for the queries it can answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import type { JsonObject } from '../../messages/index.js';
import { ShardStore } from '../../storage/index.js';
import { ID_FIELD, parseQuery } from '../../storage/query/index.js';
import { planShardSearch, rankPlanned, shardStatistics } from '../../storage/shard-search.js';
import {
  decodeTop,
  rankingTable,
  seededGenerator,
  silentLogger,
  skewedSentence,
  temporaryDirectory,
} from './shard-helpers.js';

const WORDS = ['river', 'stone', 'cloud', 'forest', 'ember', 'harbor', 'lantern', 'willow', 'the', 'of'];

function sentence(random: () => number, words: number): string {
  return skewedSentence(random, WORDS, words);
}

describe('cameo_top in SQLite', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = rankingTable();
    const insert = db.prepare('INSERT INTO f(rowid, a, b) VALUES (?, ?, ?)');
    const random = seededGenerator(5);
    for (let row = 1; row <= 400; row++)
      insert.run(row, sentence(random, 3), sentence(random, 4 + (row % 9)));
    // Identical rows: runs of equal scores, ordered by rowid.
    for (let row = 401; row <= 420; row++) insert.run(row, 'willow harbor', 'ember');
    const remove = db.prepare('DELETE FROM f WHERE rowid = ?');
    for (let row = 3; row <= 400; row += 7) remove.run(row);
  });
  afterAll(() => {
    db.close();
  });

  const expressions = ['river', '{b} : stone', '"the river"', 'wil*', '{a} : "willow harbor"', 'nothinghere'];

  it.each(expressions)('gives the rows, order, scores and count of ranking row by row: %s', (expression) => {
    const all = db
      .prepare(
        'SELECT rowid, -cameo_bm25(f, NULL, NULL, 2.0, 0.5) AS score FROM f WHERE f MATCH ? ORDER BY score DESC, rowid ASC',
      )
      .all(expression) as { rowid: number; score: number }[];
    for (const k of [0, 1, 5, 17, 1000]) {
      const top = decodeTop(
        (
          db
            .prepare('SELECT cameo_top(f, NULL, NULL, ?, 2.0, 0.5) AS top FROM f WHERE f MATCH ? LIMIT 1')
            .get(k, expression) as { top: Buffer } | undefined
        )?.top,
      );
      expect(top.matches).toBe(all.length);
      expect(top.rows).toEqual(all.slice(0, k).map((row) => [row.rowid, row.score]));
    }
  });

  it('refuses a MATCH of more than one phrase and a k that is not a whole number in range', () => {
    const top = (k: unknown, expression: string) =>
      db
        .prepare('SELECT cameo_top(f, NULL, NULL, ?, 2.0, 0.5) FROM f WHERE f MATCH ? LIMIT 1')
        .get(k, expression);
    expect(() => top(5, 'river stone')).toThrow(/exactly one phrase/);
    expect(() => top(5, 'river NOT stone')).toThrow(/exactly one phrase/);
    expect(() => top(-1, 'river')).toThrow(/whole number/);
    expect(() => top(2.5, 'river')).toThrow(/whole number/);
    expect(() => top('ten', 'river')).toThrow(/whole number/);
  });
});

describe('a shard search through cameo_top', () => {
  const directory = temporaryDirectory('cameodb-top-');
  let store: ShardStore;

  beforeAll(() => {
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.applyWrites([
      {
        kind: 'upsert',
        position: 0,
        index: 'notes',
        id: 'schema-seed',
        doc: { title: 'seed', body: 'seed', group: 'g0' },
      },
    ]);
    const random = seededGenerator(9);
    const write = (id: string, doc: JsonObject, position: number) =>
      ({ kind: 'upsert', position, index: 'notes', id, doc }) as const;
    const docs = Array.from({ length: 300 }, (_, i) =>
      write(
        `n${i}`,
        { title: sentence(random, 2), body: sentence(random, 6 + (i % 11)), group: `g${i % 3}` },
        i,
      ),
    );
    for (let i = 0; i < 15; i++)
      docs.push(write(`twin-${i}`, { title: 'willow twin', body: 'ember', group: 'g9' }, 300 + i));
    store.applyWrites(docs);
    // Updates and deletes: the FTS table then holds deleted rows that a walk must skip.
    store.applyWrites(
      Array.from({ length: 40 }, (_, i) =>
        write(`n${i * 5}`, { title: sentence(random, 3), body: sentence(random, 5), group: 'g1' }, i),
      ),
    );
    store.applyWrites(
      Array.from({ length: 30 }, (_, i) => ({
        kind: 'delete',
        position: i,
        index: 'notes',
        id: `n${i * 7 + 1}`,
      })),
    );
  });
  afterAll(() => {
    store.close();
    directory.cleanup();
  });

  /** The same search ranked both ways, with the index's own statistics. */
  function bothWays(query: string, limit: number) {
    const ast = parseQuery(query);
    const statistics = shardStatistics(store.reads, 'notes', ast);
    return store.reads.search.readTransaction(() => {
      const planned = planShardSearch(store.reads, 'notes', ast, { limit });
      const withoutTop = { ...planned, plan: { ...planned.plan, top: undefined } };
      return {
        usesTop: planned.plan.top !== undefined,
        top: rankPlanned(store.reads, planned, statistics),
        rowByRow: rankPlanned(store.reads, withoutTop, statistics),
      };
    });
  }

  it.each(['river', 'title:willow', '"the river"', 'emb*', 'willow', 'ember', 'absentword'])(
    'answers %s exactly as ranking row by row, at every page size',
    (query) => {
      for (const limit of [0, 1, 4, 10, 15, 16, 500]) {
        const { usesTop, top, rowByRow } = bothWays(query, limit);
        expect(usesTop).toBe(true);
        expect(top.rows).toEqual(rowByRow.rows);
        expect(top.totalHits).toBe(rowByRow.totalHits);
      }
    },
  );

  it('keeps ranking row by row for what one walk of one phrase cannot answer', () => {
    for (const query of [
      'river stone',
      'river OR stone',
      'river^2',
      'river AND group:g1',
      'river NOT stone',
    ]) {
      expect(bothWays(query, 10).usesTop).toBe(false);
    }
    const ast = parseQuery('river');
    const sorted = store.reads.search.readTransaction(
      () =>
        planShardSearch(store.reads, 'notes', ast, { limit: 10, sort: { field: ID_FIELD, order: 'asc' } })
          .plan,
    );
    expect(sorted.top).toBeUndefined();
  });
});
