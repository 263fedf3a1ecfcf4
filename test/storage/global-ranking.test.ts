/**
 * Ranking with corpus statistics: the cameo_bm25 extension against FTS5's bm25(), phrase
 * statistics counted by the planner against FTS5's own, and several shards searched as one
 * against one shard holding everything (same hits, same order, the same scores exactly).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { indexName, type IndexSchema, type JsonObject, type SearchSpec } from '../../messages/index.js';
import { searchShards, ShardReader, ShardStore } from '../../storage/index.js';
import { loadRankingExtension } from '../../storage/native-extension.js';
import { parseQuery, planSearch } from '../../storage/query/index.js';
import { countShard, rankShard, shardStatistics } from '../../storage/shard-search.js';
import {
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
  'meadow',
  'quartz',
  'willow',
  'the',
  'of',
  'and',
  'a',
  'north',
  'south',
  'silver',
  'copper',
  'tide',
  'ridge',
];

function sentence(random: () => number, words: number): string {
  return skewedSentence(random, WORDS, words);
}

const SCHEMA: IndexSchema = {
  name: 'notes',
  fields: [
    { name: 'title', type: 'text', indexed: true, stored: true, fast: false, weight: 2 },
    { name: 'body', type: 'text', indexed: true, stored: true, fast: false },
    { name: 'group', type: 'string', indexed: true, stored: true, fast: true },
    { name: 'rank', type: 'i64', indexed: true, stored: true, fast: true },
  ],
  defaultSearchFields: ['title', 'body'],
  dynamic: true,
  version: 1,
};

function corpus(count: number): { id: string; doc: JsonObject }[] {
  const random = seededGenerator(7);
  const docs = Array.from({ length: count }, (_, i) => ({
    id: `n${String(i).padStart(4, '0')}`,
    doc: {
      title: sentence(random, 2 + Math.floor(random() * 4)),
      body: sentence(random, 5 + Math.floor(random() * 30)),
      group: `g${i % 4}`,
      rank: Math.floor(random() * 20),
    },
  }));
  // Identical documents: equal scores, so pages cut through runs of ties.
  for (let i = 0; i < 12; i++) {
    docs.push({
      id: `twin-${i}`,
      doc: { title: 'willow twin', body: 'quartz lantern', group: 'g9', rank: 5 },
    });
  }
  return docs;
}

const QUERIES = [
  'river',
  'river stone',
  'river OR ember OR quartz',
  'title:cloud',
  'body:(forest OR harbor) AND NOT meadow',
  '"silver copper"',
  'lan*',
  'river^3 stone',
  '(cloud OR tide)^2 AND group:g1',
  'title:willow OR rank:[3 TO 6]',
  'group:g2 OR harbor',
  'willow',
  'quartz lantern',
];

describe('cameo_bm25', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = rankingTable();
    const insert = db.prepare('INSERT INTO f(rowid, a, b) VALUES (?, ?, ?)');
    const random = seededGenerator(3);
    for (let row = 1; row <= 300; row++) insert.run(row, sentence(random, 3), sentence(random, 12));
    db.prepare('DELETE FROM f WHERE rowid = ?').run(17);
  });
  afterAll(() => {
    db.close();
  });

  it('ranks the documents of a one-phrase query in the order of FTS5 bm25()', () => {
    // The formulas differ only in the IDF (Lucene's is always positive): with one phrase
    // the IDF is one factor common to every row, so the order is the same.
    const rare = new Database(':memory:');
    try {
      loadRankingExtension(rare);
      rare.exec(`CREATE VIRTUAL TABLE f USING fts5(a, b)`);
      const insert = rare.prepare('INSERT INTO f(rowid, a, b) VALUES (?, ?, ?)');
      const random = seededGenerator(11);
      const words = Array.from({ length: 60 }, (_, i) => `w${i}`);
      const text = (count: number) =>
        Array.from({ length: count }, () => words[Math.floor(random() * words.length)]).join(' ');
      for (let row = 1; row <= 400; row++) insert.run(row, text(2 + (row % 5)), text(8 + (row % 13)));
      for (const expression of ['w1', '{b} : w4', 'w5 NOT w6', 'a : w7']) {
        const rows = rare
          .prepare(
            'SELECT rowid, bm25(f, 2.0, 0.5) AS theirs, cameo_bm25(f, NULL, NULL, 2.0, 0.5) AS ours FROM f WHERE f MATCH ?',
          )
          .all(expression) as { rowid: number; theirs: number; ours: number }[];
        expect(rows.length).toBeGreaterThan(5);
        const order = (key: 'theirs' | 'ours') =>
          [...rows].sort((x, y) => x[key] - y[key] || x.rowid - y.rowid).map((row) => row.rowid);
        expect(order('ours')).toEqual(order('theirs'));
      }
    } finally {
      rare.close();
    }
  });

  it('computes BM25 with the IDF ln(1 + (N - n + 0.5) / (n + 0.5))', () => {
    const exact = new Database(':memory:');
    try {
      loadRankingExtension(exact);
      exact.exec(`CREATE VIRTUAL TABLE f USING fts5(a)`);
      const insert = exact.prepare('INSERT INTO f(rowid, a) VALUES (?, ?)');
      insert.run(1, 'apple apple pear');
      insert.run(2, 'apple kiwi kiwi kiwi kiwi');
      insert.run(3, 'plum');
      const rows = exact
        .prepare(
          `SELECT rowid, -cameo_bm25(f, NULL, NULL) AS score FROM f WHERE f MATCH 'apple' ORDER BY rowid`,
        )
        .all() as { rowid: number; score: number }[];
      // N = 3 rows, 9 tokens (average 3), n = 2 rows with "apple".
      const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
      const bm25 = (tf: number, length: number) =>
        (idf * (tf * 2.2)) / (tf + 1.2 * (1 - 0.75 + (0.75 * length) / 3));
      expect(rows.map((row) => row.rowid)).toEqual([1, 2]);
      expect(rows[0]!.score).toBeCloseTo(bm25(2, 3), 12);
      expect(rows[1]!.score).toBeCloseTo(bm25(1, 5), 12);
      // A word in every row still counts (FTS5's own IDF would clamp it to 1e-6).
      const everywhere = exact
        .prepare(
          `SELECT -cameo_bm25(f, NULL, NULL) AS score FROM f WHERE f MATCH 'apple OR plum OR kiwi' ORDER BY rowid`,
        )
        .all() as { score: number }[];
      expect(everywhere.every((row) => row.score > 0.1)).toBe(true);
    } finally {
      exact.close();
    }
  });

  it('ranks with the statistics it is given', () => {
    const blob = (values: number[]) => Buffer.from(new Float64Array(values).buffer);
    const score = (statistics: Buffer) =>
      db
        .prepare(`SELECT cameo_bm25(f, ?, NULL) AS s FROM f WHERE f MATCH 'river' ORDER BY rowid LIMIT 1`)
        .get(statistics) as {
        s: number;
      };
    // A rarer phrase in a larger corpus weighs more (more negative).
    const common = score(blob([300, 4500, 250])).s;
    const rare = score(blob([300000, 4500000, 250])).s;
    expect(rare).toBeLessThan(common);
  });

  it('refuses statistics of the wrong size, naming the phrases it expected', () => {
    expect(() =>
      db.prepare(`SELECT cameo_bm25(f, x'0011', NULL) FROM f WHERE f MATCH 'river OR stone'`).all(),
    ).toThrow(/expected 32 for 2 phrases/);
  });

  it('keeps a cache a running query uses while other tables push it out of the connection', () => {
    const many = new Database(':memory:');
    try {
      loadRankingExtension(many);
      const random = seededGenerator(9);
      const tables = Array.from({ length: 20 }, (_, i) => `t${i}`);
      for (const table of tables) {
        many.exec(`CREATE VIRTUAL TABLE ${table} USING fts5(a)`);
        const insert = many.prepare(`INSERT INTO ${table}(rowid, a) VALUES (?, ?)`);
        for (let row = 1; row <= 200; row++) insert.run(row, `river ${sentence(random, 1 + (row % 9))}`);
      }
      const scoresOf = (table: string, cache: string | null) =>
        many
          .prepare(
            `SELECT rowid, cameo_bm25(${table}, NULL, ?) AS s FROM ${table} WHERE ${table} MATCH 'river'`,
          )
          .all(cache) as { rowid: number; s: number }[];
      const expected = scoresOf('t0', null);
      // Read t0's rows one at a time; between rows, rank the 19 other tables (more than the
      // 16 caches a connection keeps), which evicts t0's cache while t0's query still uses it.
      const running = many
        .prepare(`SELECT rowid, cameo_bm25(t0, NULL, 't0') AS s FROM t0 WHERE t0 MATCH 'river'`)
        .iterate() as IterableIterator<{ rowid: number; s: number }>;
      const seen: { rowid: number; s: number }[] = [];
      for (const row of running) {
        seen.push(row);
        if (seen.length % 50 === 1) for (const table of tables.slice(1)) scoresOf(table, table);
      }
      expect(seen).toEqual(expected);
      for (const table of tables) expect(scoresOf(table, table)).toEqual(scoresOf(table, null));
    } finally {
      many.close();
    }
  });

  it('gives the same scores with the length cache as without it, each table its own lengths', () => {
    const cached = new Database(':memory:');
    try {
      loadRankingExtension(cached);
      // Two tables with the same rowids and different texts: a cache shared between them
      // would give one table's lengths to the other's rows.
      cached.exec(`CREATE VIRTUAL TABLE one USING fts5(a, content='', contentless_delete=1)`);
      cached.exec(`CREATE VIRTUAL TABLE two USING fts5(a, content='', contentless_delete=1)`);
      const random = seededGenerator(5);
      // Rowids 1..3000 and, 2^21 apart (the largest cache's size), rowids that share slots.
      const rowids = [
        ...Array.from({ length: 3000 }, (_, i) => i + 1),
        ...Array.from({ length: 50 }, (_, i) => i + 1 + 2 ** 21),
      ];
      for (const rowid of rowids) {
        cached.prepare('INSERT INTO one(rowid, a) VALUES (?, ?)').run(rowid, `river ${sentence(random, 2)}`);
        cached.prepare('INSERT INTO two(rowid, a) VALUES (?, ?)').run(rowid, `river ${sentence(random, 20)}`);
      }
      const scores = (table: string, cache: string | null) =>
        cached
          .prepare(
            `SELECT rowid, cameo_bm25(${table}, NULL, ?) AS s FROM ${table} WHERE ${table} MATCH 'river'`,
          )
          .all(cache) as { rowid: number; s: number }[];
      for (let pass = 0; pass < 2; pass++) {
        // The second pass reads lengths from the caches the first one filled.
        expect(scores('one', 'one')).toEqual(scores('one', null));
        expect(scores('two', 'two')).toEqual(scores('two', null));
      }
      expect(scores('one', 'one')).not.toEqual(scores('two', 'two'));
      expect(() =>
        cached.prepare(`SELECT cameo_bm25(one, NULL, 7) FROM one WHERE one MATCH 'river'`).all(),
      ).toThrow(/length_cache must be a TEXT or NULL/);
    } finally {
      cached.close();
    }
  });
});

describe('statistics counted per phrase', () => {
  const directory = temporaryDirectory();
  let store: ShardStore;

  beforeAll(() => {
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.putSchema(SCHEMA);
    store.applyWrites(
      corpus(200).map((entry, position) => ({ kind: 'upsert' as const, position, index: 'notes', ...entry })),
    );
  });
  afterAll(() => {
    store.close();
    directory.cleanup();
  });

  it('count every match while ranking the best few, the same number a count query finds', () => {
    const layout = store.searchIndex.layoutRecord(indexName('notes'))!.layout;
    let countedWhileRanking = 0;
    for (const query of [
      ...QUERIES,
      'river AND group:g1',
      'stone -group:g2',
      'lan* rank:>4',
      'river -river',
    ]) {
      const ast = parseQuery(query);
      // A page of 2 leaves most matches beyond the page: they must still be counted.
      const ranked = rankShard(store.reads, 'notes', ast, { limit: 2 }, undefined);
      expect({ query, total: ranked.totalHits }).toEqual({
        query,
        total: countShard(store.reads, 'notes', query),
      });
      if (planSearch(ast, layout, { limit: 3, offset: 0 }).countedByRanking && ranked.totalHits > 2)
        countedWhileRanking += 1;
    }
    // The shortcut was taken, and for filtered queries too.
    expect(countedWhileRanking).toBeGreaterThanOrEqual(6);
  });

  it("give the scores of FTS5's own statistics for every kind of query", () => {
    for (const query of QUERIES) {
      const ast = parseQuery(query);
      const spec = { limit: 1000 };
      const own = rankShard(store.reads, 'notes', ast, spec, undefined);
      const counted = rankShard(store.reads, 'notes', ast, spec, shardStatistics(store.reads, 'notes', ast));
      expect(own.rows.length).toBeGreaterThan(0);
      expect(counted.rows).toEqual(own.rows);
    }
  });
});

describe('several shards searched as one', () => {
  const directories = Array.from({ length: 4 }, () => temporaryDirectory());
  let whole: ShardStore;
  let parts: ShardStore[];

  beforeAll(() => {
    const docs = corpus(240);
    whole = new ShardStore(directories[0]!.path, { logger: silentLogger });
    parts = directories.slice(1).map((directory) => new ShardStore(directory.path, { logger: silentLogger }));
    for (const store of [whole, ...parts]) store.putSchema(SCHEMA);
    whole.applyWrites(
      docs.map((entry, position) => ({ kind: 'upsert' as const, position, index: 'notes', ...entry })),
    );
    // An uneven split, different from insertion order, so each part's own statistics differ.
    parts.forEach((store, part) =>
      store.applyWrites(
        docs
          .filter((_, i) => (i * 7 + (i % 5)) % 3 === part)
          .map((entry, position) => ({ kind: 'upsert' as const, position, index: 'notes', ...entry })),
      ),
    );
  });
  afterAll(() => {
    for (const store of [whole, ...parts]) store.close();
    for (const directory of directories) directory.cleanup();
  });

  const pageOf = (stores: ShardStore[], spec: SearchSpec) => {
    const result = searchShards(
      stores.map((store) => store.reads),
      'notes',
      spec,
    );
    expect(result.shardErrors).toEqual([]);
    return { hits: result.hits, totalHits: result.totalHits };
  };

  it('returns the hits, order and scores of one shard holding every document', () => {
    for (const query of QUERIES) {
      const spec = { query, limit: 1000, offset: 0, fields: [] };
      const expected = pageOf([whole], spec);
      expect(expected.hits.length).toBeGreaterThan(0);
      expect(pageOf(parts, spec)).toEqual(expected);
    }
  });

  it('pages through ties the same way (ordered by id), whatever the split', () => {
    for (const query of ['willow', 'quartz lantern', 'group:g9']) {
      const all = pageOf([whole], { query, limit: 1000, offset: 0, fields: [] }).hits;
      const twins = all.filter((hit) => hit.id.startsWith('twin-'));
      expect(twins.length).toBe(12);
      expect(new Set(twins.map((hit) => hit.score)).size).toBe(1);
      for (let offset = 0; offset < all.length; offset += 5) {
        const spec = { query, limit: 5, offset, fields: [] };
        expect(pageOf(parts, spec).hits).toEqual(all.slice(offset, offset + 5));
        expect(pageOf([whole], spec).hits).toEqual(all.slice(offset, offset + 5));
      }
    }
  });

  it('returns stored fields for the requested page, after the offset', () => {
    const ids = pageOf(parts, { query: 'river', limit: 5, offset: 7, fields: [] }).hits.map((hit) => hit.id);
    const page = pageOf(parts, { query: 'river', limit: 5, offset: 7 }).hits;
    expect(page.map((hit) => hit.id)).toEqual(ids);
    const docs = new Map(corpus(240).map((entry) => [entry.id, entry.doc]));
    for (const hit of page) expect(hit.fields).toEqual(docs.get(hit.id));
  });

  it('sorts by a field the same way, ties broken by score then id', () => {
    const spec = {
      query: 'river OR willow',
      limit: 30,
      offset: 10,
      sort: { field: 'rank', order: 'asc' as const },
      fields: [],
    };
    expect(pageOf(parts, spec)).toEqual(pageOf([whole], spec));
  });

  it('ranks with statistics it is given instead of its own', () => {
    const spec = { query: 'river', limit: 5, offset: 0, fields: [] };
    const own = searchShards([parts[0]!.reads], 'notes', spec);
    const borrowed = searchShards([parts[0]!.reads], 'notes', spec, {
      documents: 1_000_000,
      tokens: 20_000_000,
      phrases: { 'body,title:"river"': 10 },
    });
    expect(borrowed.hits.map((hit) => hit.id).length).toBe(own.hits.length);
    expect(borrowed.hits[0]!.score).toBeGreaterThan(own.hits[0]!.score);
  });
});

describe('corpus totals', () => {
  const directories = Array.from({ length: 2 }, () => temporaryDirectory());
  afterAll(() => {
    for (const directory of directories) directory.cleanup();
  });

  it('count live documents only, after updates and deletes (FTS5 own totals do not)', () => {
    const docs = corpus(60);
    const churned = new ShardStore(directories[0]!.path, { logger: silentLogger });
    const fresh = new ShardStore(directories[1]!.path, { logger: silentLogger });
    try {
      for (const store of [churned, fresh]) store.putSchema(SCHEMA);
      const upserts = (entries: typeof docs) =>
        entries.map((entry, position) => ({ kind: 'upsert' as const, position, index: 'notes', ...entry }));
      // Three versions of every document, then a third of them deleted.
      churned.applyWrites(
        upserts(docs.map((entry) => ({ ...entry, doc: { ...entry.doc, title: 'draft one' } }))),
      );
      churned.applyWrites(
        upserts(docs.map((entry) => ({ ...entry, doc: { ...entry.doc, body: 'draft two two' } }))),
      );
      churned.applyWrites(upserts(docs));
      const deleted = docs.filter((_, i) => i % 3 === 0);
      churned.applyWrites(
        deleted.map((entry, position) => ({
          kind: 'delete' as const,
          position,
          index: 'notes',
          id: entry.id,
        })),
      );
      fresh.applyWrites(upserts(docs.filter((_, i) => i % 3 !== 0)));

      const ast = parseQuery('river OR willow');
      const statistics = shardStatistics(churned.reads, 'notes', ast);
      expect(statistics).toEqual(shardStatistics(fresh.reads, 'notes', ast));
      expect(statistics.documents).toBe(docs.length - deleted.length);
      const spec = { query: 'river OR willow', limit: 100, offset: 0, fields: [] };
      expect(searchShards([churned.reads], 'notes', spec).hits).toEqual(
        searchShards([fresh.reads], 'notes', spec).hits,
      );
    } finally {
      churned.close();
      fresh.close();
    }
  });

  it('are counted from the rows of a shard written before they were kept', () => {
    const store = new ShardStore(directories[0]!.path, { logger: silentLogger });
    const ast = parseQuery('river');
    const before = shardStatistics(store.reads, 'notes', ast);
    expect(before.documents).toBeGreaterThan(0);
    // Forget the kept totals, as a shard from an older version has none.
    store.reads.search.db.exec('DELETE FROM fts_totals');
    expect(shardStatistics(store.reads, 'notes', ast)).toEqual(before);
    store.close();
    const reopened = new ShardStore(directories[0]!.path, { logger: silentLogger });
    try {
      const kept = reopened.reads.search.db.prepare('SELECT count(*) AS n FROM fts_totals').get() as {
        n: number;
      };
      expect(kept.n).toBeGreaterThan(0);
      expect(shardStatistics(reopened.reads, 'notes', ast)).toEqual(before);
    } finally {
      reopened.close();
    }
  });
});

describe('document lengths after an update', () => {
  const directory = temporaryDirectory();
  const fresh = temporaryDirectory();

  afterAll(() => {
    directory.cleanup();
    fresh.cleanup();
  });

  it('rank an updated document by its new text, as a store that only ever saw the new text does', () => {
    // The ranking extension caches each row's length by rowid: an update must not keep the
    // old rowid (the cache would still hold the old length).
    const later = { title: 'river', body: 'stone '.repeat(40) };
    const spec: SearchSpec = { query: 'river', limit: 10, offset: 0 };
    const updated = new ShardStore(directory.path, { logger: silentLogger });
    const reference = new ShardStore(fresh.path, { logger: silentLogger });
    try {
      for (const store of [updated, reference]) {
        store.putSchema(SCHEMA);
        store.write('notes', 'other', { title: 'river meadow', body: 'cloud' });
      }
      updated.write('notes', 'changing', { title: 'river', body: 'ember' });
      const before = updated.search('notes', spec).hits.find((hit) => hit.id === 'changing');
      updated.write('notes', 'changing', later);
      reference.write('notes', 'changing', later);
      const after = updated.search('notes', spec).hits.find((hit) => hit.id === 'changing');
      const expected = reference.search('notes', spec).hits.find((hit) => hit.id === 'changing');
      expect(after?.score).toBe(expected?.score);
      expect(after?.score).not.toBe(before?.score);
    } finally {
      updated.close();
      reference.close();
    }
  });
});

describe('remembered phrase counts', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.cleanup());

  it('are forgotten when a write commits, through this connection or another', () => {
    const store = new ShardStore(directory.path, { logger: silentLogger });
    const reader = new ShardReader(directory.path);
    const spec: SearchSpec = { query: 'river', limit: 50, offset: 0 };
    try {
      store.putSchema(SCHEMA);
      store.applyWrites(
        corpus(40).map((entry, position) => ({
          kind: 'upsert' as const,
          position,
          index: 'notes',
          ...entry,
        })),
      );
      for (let round = 0; round < 3; round++) {
        // Search twice (the second one from remembered counts), then change "river"'s count.
        for (let repeat = 0; repeat < 2; repeat++) {
          const fresh = new ShardReader(directory.path);
          try {
            const expected = fresh.search('notes', spec);
            expect(reader.search('notes', spec)).toEqual(expected);
            expect(store.search('notes', spec)).toEqual(expected);
          } finally {
            fresh.close();
          }
        }
        store.write('notes', `extra-${round}`, { title: 'river river', body: 'a river' });
      }
    } finally {
      reader.close();
      store.close();
    }
  });
});
