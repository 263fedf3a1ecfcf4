/**
 * A one-phrase search ranked with the node's own statistics walks each shard's matches once:
 * unscaled scores and the match count from one walk, then the scores multiplied by the
 * phrase's inverse document frequency (`cameo_idf`). It must give exactly what counting the
 * phrase first and then ranking gives (same hits, order, scores to the bit, total_hits and
 * reported statistics), across shards, after updates and deletes, and at page cuts through
 * runs of equal scores.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type Database from 'better-sqlite3';
import type { JsonObject, SearchSpec } from '../../messages/index.js';
import { collectStatistics, searchShards, ShardStore, type WriteOperation } from '../../storage/index.js';
import { scaleRows } from '../../storage/shard-search.js';
import {
  decodeTop,
  rankingTable,
  seededGenerator,
  silentLogger,
  skewedSentence,
  temporaryDirectory,
} from './shard-helpers.js';

const WORDS = [
  'river',
  'stone',
  'cloud',
  'forest',
  'ember',
  'harbor',
  'lantern',
  'willow',
  'the',
  'of',
  'quartz',
];

function sentence(random: () => number, words: number): string {
  return skewedSentence(random, WORDS, words);
}

/** A statistics blob as the extension reads it: documents, tokens, then each phrase's count. */
function statisticsBlob(...values: number[]): Buffer {
  return Buffer.from(Float64Array.from(values).buffer);
}

describe('cameo_top unscaled, then cameo_idf', () => {
  let db: Database.Database;
  const documents = 1000;
  const tokens = 9000;

  beforeAll(() => {
    db = rankingTable();
    const insert = db.prepare('INSERT INTO f(rowid, a, b) VALUES (?, ?, ?)');
    const random = seededGenerator(21);
    for (let row = 1; row <= 300; row++)
      insert.run(row, sentence(random, 2), sentence(random, 3 + (row % 13)));
    for (let row = 301; row <= 320; row++) insert.run(row, 'willow harbor', 'ember');
  });
  afterAll(() => {
    db.close();
  });

  const top = (statistics: Buffer, expression: string): { matches: number; rows: [number, number][] } =>
    decodeTop(
      (
        db
          .prepare('SELECT cameo_top(f, ?, NULL, 1000, 2.0, 0.5) AS top FROM f WHERE f MATCH ? LIMIT 1')
          .get(statistics, expression) as { top: Buffer } | undefined
      )?.top,
    );

  it.each(['river', '{b} : stone', '"the river"', 'wil*', '{a} : "willow harbor"', 'ember'])(
    'scaling unscaled scores gives the scores ranked with the count, to the bit: %s',
    (expression) => {
      const unscaled = top(statisticsBlob(documents, tokens, Number.NaN), expression);
      expect(unscaled.matches).toBeGreaterThan(0);
      const phraseDocuments = unscaled.matches;
      const scaled = top(statisticsBlob(documents, tokens, phraseDocuments), expression);
      const { idf } = db.prepare('SELECT cameo_idf(?, ?) AS idf').get(documents, phraseDocuments) as {
        idf: number;
      };
      const rescaled = unscaled.rows
        .map(([rowid, score]): [number, number] => [rowid, idf * score])
        .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      expect(scaled.matches).toBe(unscaled.matches);
      expect(rescaled).toEqual(scaled.rows);
    },
  );

  it('orders rows that tie only once scaled by document number', () => {
    // Adjacent doubles whose products with 1.5 round to the same double.
    const rows = [
      { doc: 9, id: 'b', score: 1.900000000000001 },
      { doc: 4, id: 'a', score: 1.9000000000000008 },
      { doc: 2, id: 'c', score: 1 },
    ];
    expect(1.5 * rows[0]!.score).toBe(1.5 * rows[1]!.score);
    expect(scaleRows(rows, 1.5).map((row) => row.doc)).toEqual([4, 9, 2]);
  });

  it('refuses cameo_idf arguments that are not numbers', () => {
    expect(() => db.prepare('SELECT cameo_idf(?, ?)').get('many', 3)).toThrow(/must be numbers/);
    expect(() => db.prepare('SELECT cameo_idf(?, ?)').get(10, null)).toThrow(/must be numbers/);
  });
});

describe('a node search of one phrase over several shards', () => {
  const directories = [0, 1, 2].map(() => temporaryDirectory('cameodb-one-walk-'));
  let stores: ShardStore[];

  beforeAll(() => {
    stores = directories.map((directory) => new ShardStore(directory.path, { logger: silentLogger }));
    const random = seededGenerator(33);
    const upsert = (id: string, doc: JsonObject, position: number): WriteOperation => ({
      kind: 'upsert',
      position,
      index: 'notes',
      id,
      doc,
    });
    const byShard: WriteOperation[][] = [[], [], []];
    for (let i = 0; i < 450; i++) {
      const doc = { title: sentence(random, 2), body: sentence(random, 4 + (i % 17)), group: `g${i % 3}` };
      byShard[i % 3]!.push(upsert(`n${i}`, doc, byShard[i % 3]!.length));
    }
    // Identical documents on every shard: runs of equal scores that pages cut through.
    for (let i = 0; i < 18; i++)
      byShard[i % 3]!.push(
        upsert(`twin-${i}`, { title: 'willow twin', body: 'ember', group: 'g9' }, byShard[i % 3]!.length),
      );
    stores.forEach((store, shard) => store.applyWrites(byShard[shard]!));
    // Updates and deletes leave rows in FTS5 that a walk must not count.
    stores.forEach((store, shard) => {
      store.applyWrites(
        Array.from({ length: 20 }, (_, i) =>
          upsert(`n${(i * 9 + shard) % 450}`, { title: sentence(random, 3), body: sentence(random, 6) }, i),
        ),
      );
      store.applyWrites(
        Array.from({ length: 15 }, (_, i) => ({
          kind: 'delete',
          position: i,
          index: 'notes',
          id: `n${(i * 12 + shard) % 450}`,
        })),
      );
    });
  });
  afterAll(() => {
    for (const store of stores) store.close();
    for (const directory of directories) directory.cleanup();
  });

  const shards = () => stores.map((store) => store.reads);

  /** The search with the node's own statistics (one walk) and with them counted first (two). */
  function bothWays(spec: SearchSpec) {
    const counted = collectStatistics(shards(), 'notes', spec.query);
    return {
      oneWalk: searchShards(shards(), 'notes', spec, undefined, { reportStatistics: true }),
      countedFirst: searchShards(shards(), 'notes', spec, counted.statistics),
      statistics: counted.statistics,
    };
  }

  it.each(['river', 'title:willow', '"the river"', 'emb*', 'willow', 'ember', 'quartz', 'absentword'])(
    'answers %s exactly as counting the phrase first, at every page',
    (query) => {
      for (const limit of [1, 4, 10, 17, 18, 500])
        for (const offset of [0, 3]) {
          const { oneWalk, countedFirst, statistics } = bothWays({ query, limit, offset });
          expect(oneWalk.hits).toEqual(countedFirst.hits);
          expect(oneWalk.totalHits).toBe(countedFirst.totalHits);
          expect(oneWalk.statistics).toEqual(statistics);
          expect(oneWalk.shardErrors).toEqual([]);
        }
    },
  );

  it('counts no phrase separately for a one-phrase search, and still does for other searches', () => {
    const counts = stores.map((store) => jest.spyOn(store.reads.search, 'phraseDocuments'));
    try {
      searchShards(shards(), 'notes', { query: 'river', limit: 10, offset: 0 });
      expect(counts.map((count) => count.mock.calls.length)).toEqual([0, 0, 0]);
      searchShards(shards(), 'notes', { query: 'river stone', limit: 10, offset: 0 });
      expect(counts.every((count) => count.mock.calls.length > 0)).toBe(true);
    } finally {
      for (const count of counts) count.mockRestore();
    }
  });
});
