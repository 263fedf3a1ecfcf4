/** Planner tests: the generated SQL runs against a real in-memory database built per layout.ts. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../messages/index.js';
import { parseQuery, planSearch } from '../../../storage/query/index.js';
import { TestShard, testDocuments, testLayout } from './fixture.js';

const shard = new TestShard(testLayout, testDocuments);
afterAll(() => shard.close());

const fillers = Array.from({ length: 10 }, (_, index) => `filler-${index}`);
const sorted = (ids: readonly string[]) => [...ids].sort();
const idsOf = (query: string) => sorted(shard.search(query).ids);

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('planSearch: full-text', () => {
  it('searches bare terms over the default fields, best BM25 first', () => {
    const result = shard.search('fox');
    expect(sorted(result.ids)).toEqual(['dogs', 'fox', 'news']);
    expect(result.total).toBe(3);
    // "dogs" has fox only in the body; the others also in the (weight 2) title.
    expect(result.ids[2]).toBe('dogs');
    for (const row of result.rows) expect(row.score).toBeGreaterThan(0);
    expect(result.rows[0]?.score).toBeGreaterThanOrEqual(result.rows[1]?.score ?? Infinity);
  });

  it('does not search fields outside the default fields with bare terms', () => {
    expect(idsOf('editor')).toEqual([]);
    expect(idsOf('notes:editor')).toEqual(['news']);
  });

  it('ANDs terms by default and supports OR', () => {
    expect(idsOf('quick fox')).toEqual(['fox', 'news']);
    expect(idsOf('quick AND fox')).toEqual(['fox', 'news']);
    expect(idsOf('quick OR bread')).toEqual(['bread', 'fox', 'news', 'recipes']);
    expect(idsOf('(lazy OR recipes) quick')).toEqual(['fox', 'recipes']);
  });

  it('restricts field:term to that field', () => {
    expect(idsOf('title:quick')).toEqual(['fox', 'recipes']);
    expect(idsOf('body:quick')).toEqual(['bread', 'fox', 'news', 'recipes'].filter((id) => id !== 'fox'));
  });

  it('matches phrases exactly and with slop', () => {
    expect(idsOf('"quick brown"')).toEqual(['fox']);
    expect(idsOf('"brown quick"')).toEqual([]);
    expect(idsOf('"brown fox"~3')).toEqual(['fox']);
    expect(idsOf('"brown fox"~4')).toEqual(['fox', 'news']);
    expect(idsOf('body:"fox brown"~5')).toEqual(['news']);
  });

  it('matches prefixes', () => {
    expect(idsOf('qui*')).toEqual(['bread', 'fox', 'news', 'recipes']);
    expect(idsOf('title:bre*')).toEqual(['bread']);
  });

  it('applies NOT, - and negative-only queries', () => {
    expect(idsOf('fox -lazy')).toEqual(['news']);
    expect(idsOf('fox NOT lazy')).toEqual(['news']);
    const negative = shard.search('-fox');
    expect(negative.total).toBe(testDocuments.length - 3);
    expect(negative.ids).not.toContain('fox');
    expect(negative.ids).not.toContain('news');
    expect(idsOf('fox OR -quick')).toEqual(sorted(['fox', 'dogs', 'news', 'cafe', ...fillers]));
    expect(idsOf('NOT *')).toEqual([]);
  });

  it('folds accents like the FTS tokenizer', () => {
    expect(idsOf('naive facades')).toEqual(['cafe']);
    expect(idsOf('"crème brûlée"')).toEqual(['cafe']);
  });

  it('ignores clauses without words, like the tokenizer would', () => {
    expect(idsOf('quick & fox')).toEqual(['fox', 'news']);
    expect(idsOf('fox OR "?!"')).toEqual(['dogs', 'fox', 'news']);
    expect(idsOf('fox -&')).toEqual(['dogs', 'fox', 'news']);
    expect(idsOf('title:IN [& bread]')).toEqual(['bread']);
    expect(shard.search('& OR ?').total).toBe(0);
    expect(shard.search('-🦊').total).toBe(0);
  });

  it('searches text fields with IN', () => {
    expect(idsOf('title:IN [bread recipes]')).toEqual(['bread', 'recipes']);
  });
});

describe('planSearch: scoring', () => {
  it('a boost on the whole query multiplies every score', () => {
    const plain = shard.search('fox');
    const boosted = shard.search('fox^2');
    expect(boosted.ids).toEqual(plain.ids);
    boosted.rows.forEach((row, index) =>
      expect(row.score).toBeCloseTo(2 * (plain.rows[index]?.score ?? NaN), 9),
    );
  });

  it('a boost on one clause changes the order', () => {
    const toQuick = shard.search('title:quick^10 OR title:brown').ids;
    const toBrown = shard.search('title:quick OR title:brown^10').ids;
    expect(toQuick.indexOf('recipes')).toBeLessThan(toQuick.indexOf('bread'));
    expect(toBrown.indexOf('bread')).toBeLessThan(toBrown.indexOf('recipes'));
  });

  it('a boosted clause adds (boost - 1) times its own score', () => {
    const base = shard.search('title:fox body:lazy');
    const boosted = shard.search('title:fox body:lazy^3');
    const lazy = shard.search('body:lazy');
    const row = (result: typeof base, id: string) =>
      result.rows.find((candidate) => candidate.id === id)?.score ?? NaN;
    expect(row(boosted, 'fox')).toBeCloseTo(row(base, 'fox') + 2 * row(lazy, 'fox'), 9);
  });

  it('filters do not score; text clauses OR-ed with filters score like on their own', () => {
    const mixed = shard.search('title:fox OR tag:food');
    const alone = shard.search('title:fox');
    expect(sorted(mixed.ids)).toEqual(['bread', 'fox', 'news', 'recipes']);
    expect(mixed.total).toBe(4);
    for (const row of alone.rows) {
      expect(mixed.rows.find((candidate) => candidate.id === row.id)?.score).toBeCloseTo(row.score, 9);
    }
    expect(mixed.rows.find((row) => row.id === 'bread')?.score).toBe(0);
    expect(mixed.ids.slice(0, 2)).toEqual(alone.ids);
  });

  it('a text query with a filter keeps the text scores', () => {
    const filtered = shard.search('fox year:>2000');
    const alone = shard.search('fox');
    expect(sorted(filtered.ids)).toEqual(['fox', 'news']);
    for (const row of filtered.rows) {
      expect(row.score).toBeCloseTo(alone.rows.find((candidate) => candidate.id === row.id)?.score ?? NaN, 9);
    }
  });

  it('scores filter-only queries 0 and orders ties by document number', () => {
    const all = shard.search('*');
    expect(all.total).toBe(testDocuments.length);
    expect(all.ids).toEqual(testDocuments.map((document) => document['id']));
    for (const row of all.rows) expect(row.score).toBe(0);
  });
});

describe('planSearch: filters over value fields', () => {
  it('compares integers with ranges and comparisons', () => {
    expect(idsOf('year:>=2005')).toEqual(['bread', 'cafe', 'news', 'recipes']);
    expect(idsOf('year:>2015')).toEqual(['news']);
    expect(idsOf('year:[2001 TO 2010}')).toEqual(['cafe', 'fox']);
    expect(idsOf('year:{* TO 1991]')).toEqual(['filler-0', 'filler-1']);
    expect(idsOf('year:2001')).toEqual(['fox']);
  });

  it('compares floats', () => {
    expect(idsOf('price:<4.25')).toEqual(['dogs', 'news']);
    expect(idsOf('price:<=4.25')).toEqual(['bread', 'dogs', 'news']);
  });

  it('compares dates given as RFC 3339 or epoch numbers', () => {
    expect(idsOf('published:>=2020-06-01')).toEqual(['bread', 'news', 'recipes']);
    expect(idsOf('published:<"2020-01-01T00:00:01Z"')).toEqual(['dogs', 'fox']);
    expect(idsOf(`published:<=${Date.parse('2020-01-01T00:00:00Z')}`)).toEqual(['dogs', 'fox']);
    expect(idsOf('published:<1577836801')).toEqual(['dogs', 'fox']);
  });

  it('matches booleans, strings, IN lists, prefixes, dotted and quoted field names', () => {
    expect(idsOf('draft:true')).toEqual(['cafe', 'dogs']);
    expect(idsOf('tag:food')).toEqual(['bread', 'recipes']);
    expect(idsOf('tag:IN [news culture]')).toEqual(['cafe', 'news']);
    expect(idsOf('tag:fil*')).toEqual(fillers);
    expect(idsOf('author.name:Ann')).toEqual(['fox', 'recipes']);
    expect(idsOf('"author.name":ann')).toEqual([]);
    expect(idsOf('"code name":007')).toEqual(['bread']);
    expect(idsOf('"code name":7')).toEqual([]);
  });

  it('matches field:* for documents that have the field', () => {
    expect(idsOf('author.name:*')).toEqual(['bread', 'dogs', 'fox', 'recipes']);
  });

  it('looks documents up by id', () => {
    expect(idsOf('id:bread')).toEqual(['bread']);
    expect(idsOf('id:IN [fox news nope]')).toEqual(['fox', 'news']);
    expect(idsOf('id:bread OR id:"fox"')).toEqual(['bread', 'fox']);
    expect(idsOf('id:filler-*')).toEqual(fillers);
    expect(idsOf('quick -id:fox')).toEqual(['bread', 'news', 'recipes']);
    const plan = planSearch(parseQuery('id:bread'), testLayout, { limit: 10, offset: 0 });
    expect(plan.sql).toContain('d.id = ?');
  });
});

describe('planSearch: SQL shape', () => {
  const planOf = (query: string) => planSearch(parseQuery(query), testLayout, { limit: 10, offset: 0 }).sql;

  it('lets FTS5 drive text queries and probes filters per hit, joining documents for the page only', () => {
    const sql = planOf('fox year:>2000');
    expect(sql).toMatch(
      /^SELECT t\.doc .* FROM \(SELECT "test_fts"\.rowid AS doc, .* FROM "test_fts" WHERE "test_fts" MATCH \? AND \(\(EXISTS \(SELECT 1 FROM "test_docs" AS probe WHERE probe\.rowid = "test_fts"\.rowid .* OR EXISTS \(SELECT 1 FROM "test_values" WHERE doc = "test_fts"\.rowid/,
    );
    expect(sql).toMatch(/LIMIT \? OFFSET \?\) AS t JOIN "test_docs" AS d ON d\.rowid = t\.doc/);
  });

  it('joins the documents table per hit when a condition reads it (an id filter, a sort)', () => {
    expect(planOf('fox -id:bread')).toMatch(
      /FROM "test_fts" JOIN "test_docs" AS d ON d\.rowid = "test_fts"\.rowid/,
    );
    const sorted = planSearch(parseQuery('fox year:>2000'), testLayout, {
      limit: 10,
      offset: 0,
      sort: { field: 'year', order: 'asc' },
    }).sql;
    expect(sorted).toMatch(
      /FROM "test_fts" JOIN "test_docs" AS d .*EXISTS \(SELECT 1 FROM "test_values" WHERE doc = "test_fts"\.rowid/,
    );
  });

  it('lets a filter drive a query without text', () => {
    // A fast field: its sort column (first value) or the values table (the other values).
    expect(planOf('year:>2000')).toMatch(
      /FROM "test_docs" AS d WHERE \(\(d\."s\d+" IS NOT NULL AND d\."s\d+" > \?\) OR d\.rowid IN \(SELECT doc FROM "test_values"/,
    );
  });

  it('reads only the sort column of a field known to be single-valued', () => {
    const singleValued = {
      ...testLayout,
      valueFields: testLayout.valueFields.map((field) =>
        field.sortColumn === undefined ? field : { ...field, singleValued: true },
      ),
    };
    const planWith = (query: string) =>
      planSearch(parseQuery(query), singleValued, { limit: 10, offset: 0 }).sql;
    expect(planWith('year:>2000')).toMatch(
      /FROM "test_docs" AS d WHERE \(d\."s0" IS NOT NULL AND d\."s0" > \?\) ORDER/,
    );
    const probed = planWith('fox year:>2000');
    expect(probed).toMatch(
      /MATCH \? AND \(EXISTS \(SELECT 1 FROM "test_docs" AS probe WHERE probe\.rowid = "test_fts"\.rowid/,
    );
    expect(probed).not.toMatch(/test_values/);
    // An equality probe reads the sort column's index, a range the documents row.
    expect(planWith('fox year:2001')).toMatch(/FROM "test_docs" AS probe INDEXED BY "test_docs_s0" WHERE/);
    expect(probed).not.toMatch(/INDEXED BY/);
    expect(probed).toMatch(/LIMIT \? OFFSET \?\) AS t JOIN "test_docs" AS d ON d\.rowid = t\.doc/);
  });

  it('filters a field that is not fast through the values table alone', () => {
    expect(planOf('draft:true')).toMatch(
      /FROM "test_docs" AS d WHERE d\.rowid IN \(SELECT doc FROM "test_values"/,
    );
  });

  it('keeps all pure-text OR branches in one MATCH', () => {
    const sql = planOf('title:a OR body:b OR c OR tag:x');
    expect(sql.match(/MATCH \?/g)).toHaveLength(1);
  });
});

describe('planSearch: sorting and paging', () => {
  it('sorts by a fast field descending, then by score', () => {
    const result = shard.search('*', { sort: { field: 'year', order: 'desc' }, limit: 5 });
    expect(result.ids).toEqual(['news', 'bread', 'recipes', 'cafe', 'fox']);
    expect(result.rows.map((row) => row.sortValue)).toEqual([2020, 2015, 2010, 2005, 2001]);
    expect(result.total).toBe(testDocuments.length);
  });

  it('puts missing sort values last in both directions', () => {
    const ascending = shard.search('*', { sort: { field: 'rank', order: 'asc' } });
    expect(ascending.ids.slice(0, 4)).toEqual(['dogs', 'fox', 'news', 'recipes']);
    expect(ascending.rows[4]?.sortValue).toBeNull();
    const descending = shard.search('*', { sort: { field: 'rank', order: 'desc' } });
    expect(descending.ids.slice(0, 4)).toEqual(['recipes', 'news', 'fox', 'dogs']);
  });

  it('sorts a text query by a field and by id', () => {
    expect(shard.search('qui*', { sort: { field: 'price', order: 'asc' } }).ids).toEqual([
      'news',
      'bread',
      'fox',
      'recipes',
    ]);
    expect(shard.search('fox', { sort: { field: 'id', order: 'asc' } }).ids).toEqual(['dogs', 'fox', 'news']);
  });

  it('applies limit and offset but counts every hit', () => {
    const page = shard.search('tag:filler', { sort: { field: 'year', order: 'asc' }, limit: 3, offset: 2 });
    expect(page.ids).toEqual(['filler-2', 'filler-3', 'filler-4']);
    expect(page.total).toBe(10);
    expect(shard.search('tag:filler', { limit: 0 }).ids).toEqual([]);
    expect(shard.search('tag:filler', { offset: 50 }).total).toBe(10);
  });
});

describe('planSearch: errors', () => {
  const plan = (query: string, sort?: { field: string; order: 'asc' | 'desc' }) =>
    planSearch(parseQuery(query), testLayout, { limit: 10, offset: 0, ...(sort ? { sort } : {}) });

  it('names an unknown field', () => {
    const error = validationError(() => plan('quick nope:x'));
    expect(error.message).toMatch(/unknown field "nope"/);
    expect(error.details).toEqual({ field: 'nope', position: 11 }); // the value's position
  });

  it('names the field when a literal does not fit its type', () => {
    expect(validationError(() => plan('year:abc')).message).toMatch(/not a valid i64 for field "year"/);
    expect(validationError(() => plan('year:[1 TO 2.5]')).details).toMatchObject({
      field: 'year',
      expected: 'i64',
    });
    expect(validationError(() => plan('published:>yesterday')).message).toMatch(/date for field "published"/);
    expect(validationError(() => plan('draft:maybe')).message).toMatch(/boolean/);
  });

  it('rejects operations a field cannot do', () => {
    expect(validationError(() => plan('title:[a TO b]')).message).toMatch(/text field/);
    expect(validationError(() => plan('title:*')).message).toMatch(/text field/);
    expect(validationError(() => plan('year:20*')).message).toMatch(/prefix/);
    expect(validationError(() => plan('rank:5')).message).toMatch(/not indexed/);
    expect(validationError(() => plan('id:>5')).message).toMatch(/id supports/);
  });

  it('rejects sorting by a field that is not fast, and bad paging', () => {
    expect(validationError(() => plan('*', { field: 'title', order: 'asc' })).message).toMatch(/cannot sort/);
    expect(validationError(() => plan('*', { field: 'draft', order: 'asc' })).message).toMatch(/cannot sort/);
    expect(
      validationError(() => planSearch(parseQuery('*'), testLayout, { limit: -1, offset: 0 })).message,
    ).toMatch(/limit/);
  });

  it('rejects bare terms when the index has no default fields', () => {
    const layout = { ...testLayout, defaultFields: [] };
    expect(
      validationError(() => planSearch(parseQuery('fox'), layout, { limit: 1, offset: 0 })).message,
    ).toMatch(/no default search fields/);
  });
});
