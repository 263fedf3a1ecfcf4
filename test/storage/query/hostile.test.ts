/**
 * Hostile input: nothing a user types reaches SQL or FTS5 syntax. Every query either fails
 * with a typed error or runs; user text appears only in bound parameters, and in the FTS5
 * expression only inside FTS5 strings.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { CameoError, QuerySyntaxError, ValidationError } from '../../../messages/index.js';
import { parseQuery, planSearch, QUERY_LIMITS, type QueryNode } from '../../../storage/query/index.js';
import { TestShard, testDocuments, testLayout } from './fixture.js';

const shard = new TestShard(testLayout, testDocuments);
const sorted = (ids: readonly string[]) => [...ids].sort();
afterAll(() => shard.close());

const hostile = [
  `'; DROP TABLE test_docs; --`,
  `"; DROP TABLE test_docs; --"`,
  `fox" OR c1 : "dog`,
  `"fox\\" OR c1 : \\"dog"`,
  `NEAR(fox dog)`,
  `"NEAR(fox dog, 1)"`,
  `title:NEAR(fox`,
  `fox*dog*`,
  `* OR *`,
  `c0:fox`,
  `{c0}:fox`,
  `title:"{c0 c1} : fox"`,
  `fox AND NOT OR`,
  `a:b:c:d`,
  `title:fox; DELETE FROM test_values`,
  `tag:"x' OR '1'='1"`,
  `tag:IN ["a'" "b\\"" ")--"]`,
  `year:[0 TO 1; DROP TABLE x]`,
  `id:"' OR 1=1 --"`,
  `\u0000fox\u0000`,
  `fox\u0000 OR dog`,
  `🦊 🐶`,
  `日本語 テキスト`,
  `ﬁne ＦＯＸ`,
  `-`,
  `--fox`,
  `+-+-fox`,
  `"unterminated`,
  `\\"fox\\"`,
  `title:\\*`,
  `^2`,
  `~`,
  `fox^99999999999999999999`,
];

function run(query: string): { ids: string[] } | CameoError {
  try {
    return shard.search(query);
  } catch (error) {
    if (error instanceof CameoError) return error;
    throw error;
  }
}

describe('hostile queries', () => {
  it.each(hostile)('%j fails with a typed error or runs safely', (query) => {
    const outcome = run(query);
    if (outcome instanceof CameoError) {
      expect(outcome instanceof QuerySyntaxError || outcome instanceof ValidationError).toBe(true);
    } else {
      expect(Array.isArray(outcome.ids)).toBe(true);
    }
    // The tables are intact and still hold every document.
    expect(shard.search('*').total).toBe(testDocuments.length);
  });

  it('never puts user text into the SQL text', () => {
    const marker = 'zq9marker';
    const queries = [
      `${marker}`,
      `title:${marker}*`,
      `"${marker} x"~2`,
      `tag:${marker}`,
      `tag:IN [${marker} b]`,
      `tag:[${marker} TO *]`,
      `id:${marker}`,
      `-${marker} OR tag:${marker}^2`,
    ];
    for (const query of queries) {
      const plan = planSearch(parseQuery(query), testLayout, { limit: 10, offset: 0 });
      expect(plan.sql).not.toContain(marker);
      expect(plan.countSql).not.toContain(marker);
      expect(plan.params.some((value) => String(value).includes(marker))).toBe(true);
      expect(plan.sql.split('?').length - 1).toBe(plan.params.length);
      expect(plan.countSql.split('?').length - 1).toBe(plan.countParams.length);
    }
  });

  it('passes the FTS5 expression as one parameter with user text only inside FTS5 strings', () => {
    const plan = planSearch(parseQuery('title:"a\\" OR c1 : b" fox NEAR'), testLayout, {
      limit: 10,
      offset: 0,
    });
    const expressions = plan.params.filter((value): value is string => typeof value === 'string');
    expect(expressions).toEqual(['(c0 : "a"" OR c1 : b") AND ({c0 c1} : "fox") AND ({c0 c1} : "NEAR")']);
    // Outside the quoted strings only layout columns and our own operators remain.
    const outside = (expressions[0] ?? '').replace(/"(?:[^"]|"")*"/g, 'S');
    expect(outside).toBe('(c0 : S) AND ({c0 c1} : S) AND ({c0 c1} : S)');
  });

  it('treats FTS5 operator words and column names in user text as plain words', () => {
    // "OR" inside a phrase, "NEAR" and a column name are searched as words: nothing matches.
    expect(shard.search('"fox OR dog"').ids).toEqual([]);
    expect(shard.search('"c1 : fox"').ids).toEqual([]);
    expect(shard.search('NEAR').ids).toEqual([]);
    // And a real word next to them still works as a word.
    expect(shard.search('"quick brown" OR "NEAR("').ids).toEqual(['fox']);
  });

  it('handles a very long word and a query at the length limit', () => {
    const longWord = 'x'.repeat(QUERY_LIMITS.maxLength);
    expect(shard.search(longWord).ids).toEqual([]);
    const longPhrase = `"${'fox '.repeat(Math.floor((QUERY_LIMITS.maxLength - 2) / 4))}"`;
    expect(shard.search(longPhrase).ids).toEqual([]);
  });

  it('rejects very deep nesting and too many clauses with a syntax error', () => {
    expect(() => parseQuery('('.repeat(5000) + 'fox' + ')'.repeat(5000))).toThrow(/nested too deeply/);
    expect(() => parseQuery('NOT '.repeat(2000) + 'fox')).toThrow(/nested too deeply/);
    expect(() => parseQuery('tag:IN [' + 'a '.repeat(QUERY_LIMITS.maxClauses + 1) + ']')).toThrow(
      /too many clauses/,
    );
  });

  it('compiles the deepest query the parser accepts', () => {
    let groups = 'fox';
    for (let level = 1; level < QUERY_LIMITS.maxDepth; level += 1) groups = `(${groups} w${level})^2`;
    expect(shard.search(groups).total).toBe(0);
    // (-X fox) is "fox but not X": the set alternates between nothing and the fox documents.
    let negations = 'fox';
    let levels = 0;
    for (; levels < QUERY_LIMITS.maxDepth / 2 - 1; levels += 1) negations = `(-${negations} fox)^2`;
    expect(sorted(shard.search(negations).ids)).toEqual(levels % 2 === 0 ? ['dogs', 'fox', 'news'] : []);
    expect(sorted(shard.search(`(-${negations} fox)`).ids)).toEqual(
      levels % 2 === 1 ? ['dogs', 'fox', 'news'] : [],
    );
  });

  it('refuses hand-built ASTs that are too deep or carry a bad boost', () => {
    let deep: QueryNode = { kind: 'term', field: null, text: 'fox', position: 0 };
    for (let level = 0; level < 10_000; level += 1) deep = { kind: 'not', clause: deep };
    expect(() => planSearch(deep, testLayout, { limit: 1, offset: 0 })).toThrow(ValidationError);
    for (const boost of [NaN, Infinity, -1, 0]) {
      const boosted: QueryNode = {
        kind: 'boost',
        boost,
        clause: { kind: 'term', field: null, text: 'fox', position: 0 },
      };
      expect(() => planSearch(boosted, testLayout, { limit: 1, offset: 0 })).toThrow(/invalid boost/);
    }
  });

  it('runs the largest allowed queries, or refuses them with a typed error', () => {
    const text = Array.from({ length: QUERY_LIMITS.maxClauses }, (_, index) => `w${index}`).join(' OR ');
    expect(shard.search(text).ids).toEqual([]);
    expect(shard.search(text.replace(/ OR /g, ' ')).ids).toEqual([]);
    const pairs = Array.from(
      { length: QUERY_LIMITS.maxClauses / 2 },
      (_, index) => `(w${index} tag:v${index})`,
    );
    expect(() => shard.search(pairs.join(' OR '))).toThrow(/too complex/);
    expect(shard.search(pairs.slice(0, 60).join(' OR ')).ids).toEqual([]);
    const query = Array.from({ length: QUERY_LIMITS.maxClauses }, (_, index) =>
      index % 2 === 0 ? `w${index}` : `tag:v${index}`,
    ).join(' OR ');
    expect(shard.search(query).ids).toEqual([]);
  });
});
