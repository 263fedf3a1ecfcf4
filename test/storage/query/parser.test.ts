/** Parser tests: the AST of every syntax form, and syntax errors with their positions. */
import { describe, expect, it } from '@jest/globals';
import { QuerySyntaxError } from '../../../messages/index.js';
import { parseQuery, QUERY_LIMITS, type QueryNode } from '../../../storage/query/index.js';

function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(query)}`);
}

const term = (text: string, position: number, field: string | null = null): QueryNode => ({
  kind: 'term',
  field,
  text,
  position,
});

describe('parseQuery: syntax forms', () => {
  it('parses a bare term', () => {
    expect(parseQuery('fox')).toEqual(term('fox', 0));
  });

  it('ANDs adjacent terms and explicit AND', () => {
    expect(parseQuery('quick  fox')).toEqual({ kind: 'and', clauses: [term('quick', 0), term('fox', 7)] });
    expect(parseQuery('quick AND fox')).toEqual({
      kind: 'and',
      clauses: [term('quick', 0), term('fox', 10)],
    });
  });

  it('gives AND precedence over OR', () => {
    expect(parseQuery('a b OR c')).toEqual({
      kind: 'or',
      clauses: [{ kind: 'and', clauses: [term('a', 0), term('b', 2)] }, term('c', 7)],
    });
  });

  it('treats lower-case and/or/not as ordinary words', () => {
    expect(parseQuery('cats and dogs')).toEqual({
      kind: 'and',
      clauses: [term('cats', 0), term('and', 5), term('dogs', 9)],
    });
  });

  it('parses NOT, - and +', () => {
    expect(parseQuery('a NOT b')).toEqual({
      kind: 'and',
      clauses: [term('a', 0), { kind: 'not', clause: term('b', 6) }],
    });
    expect(parseQuery('+a -b')).toEqual({
      kind: 'and',
      clauses: [term('a', 1), { kind: 'not', clause: term('b', 4) }],
    });
    expect(parseQuery('-b')).toEqual({ kind: 'not', clause: term('b', 1) });
  });

  it('keeps a hyphen inside a word', () => {
    expect(parseQuery('wi-fi')).toEqual(term('wi-fi', 0));
  });

  it('parses field:value, quoted field names and dotted names', () => {
    expect(parseQuery('title:fox')).toEqual(term('fox', 6, 'title'));
    expect(parseQuery('"my field":fox')).toEqual(term('fox', 11, 'my field'));
    expect(parseQuery('author.name:ann')).toEqual(term('ann', 12, 'author.name'));
  });

  it('allows colons inside a value', () => {
    expect(parseQuery('created:2020-01-01T10:00:00Z')).toEqual(term('2020-01-01T10:00:00Z', 8, 'created'));
  });

  it('parses phrases, slop and prefix', () => {
    expect(parseQuery('"quick fox"')).toEqual({
      kind: 'phrase',
      field: null,
      text: 'quick fox',
      slop: 0,
      position: 0,
    });
    expect(parseQuery('title:"quick fox"~2')).toEqual({
      kind: 'phrase',
      field: 'title',
      text: 'quick fox',
      slop: 2,
      position: 6,
    });
    expect(parseQuery('qui*')).toEqual({ kind: 'prefix', field: null, prefix: 'qui', position: 0 });
    expect(parseQuery('body:qui*')).toEqual({ kind: 'prefix', field: 'body', prefix: 'qui', position: 5 });
  });

  it('treats an escaped star and a star inside a word literally', () => {
    expect(parseQuery('qui\\*')).toEqual(term('qui*', 0));
    expect(parseQuery('a*b')).toEqual(term('a*b', 0));
  });

  it('parses boosts on terms, phrases and groups', () => {
    expect(parseQuery('fox^2')).toEqual({ kind: 'boost', boost: 2, clause: term('fox', 0) });
    expect(parseQuery('"a b"~1^1.5')).toEqual({
      kind: 'boost',
      boost: 1.5,
      clause: { kind: 'phrase', field: null, text: 'a b', slop: 1, position: 0 },
    });
    expect(parseQuery('(a OR b)^3')).toEqual({
      kind: 'boost',
      boost: 3,
      clause: { kind: 'or', clauses: [term('a', 1), term('b', 6)] },
    });
  });

  it('parses groups, nested groups and field groups', () => {
    expect(parseQuery('(a OR (b c))')).toEqual({
      kind: 'or',
      clauses: [term('a', 1), { kind: 'and', clauses: [term('b', 7), term('c', 9)] }],
    });
    expect(parseQuery('title:(a OR b)')).toEqual({
      kind: 'or',
      clauses: [term('a', 7, 'title'), term('b', 12, 'title')],
    });
  });

  it('parses ranges with open ends', () => {
    expect(parseQuery('year:[2000 TO 2010}')).toEqual({
      kind: 'range',
      field: 'year',
      lower: { value: '2000', inclusive: true },
      upper: { value: '2010', inclusive: false },
      position: 5,
    });
    expect(parseQuery('year:{* TO 2010]')).toEqual({
      kind: 'range',
      field: 'year',
      lower: null,
      upper: { value: '2010', inclusive: true },
      position: 5,
    });
    expect(parseQuery('name:["a b" TO *]')).toEqual({
      kind: 'range',
      field: 'name',
      lower: { value: 'a b', inclusive: true },
      upper: null,
      position: 5,
    });
  });

  it('parses comparisons as ranges', () => {
    const range = (lower: unknown, upper: unknown) => ({
      kind: 'range',
      field: 'year',
      lower,
      upper,
      position: 5,
    });
    expect(parseQuery('year:>2000')).toEqual(range({ value: '2000', inclusive: false }, null));
    expect(parseQuery('year:>=2000')).toEqual(range({ value: '2000', inclusive: true }, null));
    expect(parseQuery('year:<2000')).toEqual(range(null, { value: '2000', inclusive: false }));
    expect(parseQuery('year:<=2000')).toEqual(range(null, { value: '2000', inclusive: true }));
    expect(parseQuery('created:>="2020-01-01T00:00:00Z"')).toMatchObject({
      lower: { value: '2020-01-01T00:00:00Z', inclusive: true },
    });
  });

  it('parses IN lists', () => {
    expect(parseQuery('tag:IN [a "b c" d]')).toEqual({
      kind: 'in',
      field: 'tag',
      values: ['a', 'b c', 'd'],
      position: 4,
    });
    expect(parseQuery('tag:INDIA')).toEqual(term('INDIA', 4, 'tag'));
  });

  it('parses * as everything and field:* as exists', () => {
    expect(parseQuery('*')).toEqual({ kind: 'all' });
    expect(parseQuery('tag:*')).toEqual({ kind: 'exists', field: 'tag', position: 4 });
    expect(parseQuery('* -fox')).toEqual({
      kind: 'and',
      clauses: [{ kind: 'all' }, { kind: 'not', clause: term('fox', 3) }],
    });
  });

  it('parses id lookups like any field', () => {
    expect(parseQuery('id:doc-1')).toEqual(term('doc-1', 3, 'id'));
  });

  it('keeps unicode and escapes in words and phrases', () => {
    expect(parseQuery('café')).toEqual(term('café', 0));
    expect(parseQuery('"say \\"hi\\""')).toMatchObject({ kind: 'phrase', text: 'say "hi"' });
    expect(parseQuery('a\\:b')).toEqual(term('a:b', 0));
  });
});

describe('parseQuery: syntax errors', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['', 0, /empty/],
    ['   ', 3, /empty/],
    ['(a b', 0, /never closed/],
    ['a b)', 3, /without a matching/],
    ['"a b', 0, /quote is never closed/],
    ['a AND', 5, /after AND/],
    ['a OR', 4, /after OR/],
    ['OR a', 0, /operator OR/],
    ['NOT', 3, /after NOT/],
    ['a - b', 3, /right after '-'/],
    ['title:', 6, /value after 'title:'/],
    ['year:[1 2]', 8, /'TO'/],
    ['year:[1 TO 2', 12, /close the range/],
    ['tag:IN [a b', 4, /never closed/],
    ['tag:IN []', 4, /empty/],
    ['fox^', 4, /number after '\^'/],
    ['fox^0', 4, /greater than 0/],
    ['"a b"~x', 6, /whole number/],
    ['fox~2', 3, /fuzzy/],
    ['()', 1, /empty parentheses/],
    ['""', 0, /empty phrase/],
    ['a\\', 1, /escapes nothing/],
    ['a ^2', 2, /unexpected '\^'/],
    ['"":x', 0, /field name cannot be empty/],
    ['year:>', 6, /value after the comparison/],
  ];
  it.each(cases)('%j fails at %i', (query, position, message) => {
    const error = syntaxError(query);
    expect(error.code).toBe('QUERY_SYNTAX_ERROR');
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`at position ${position}`);
    expect(error.details).toMatchObject({ position });
  });
});

describe('parseQuery: limits', () => {
  it('rejects deep nesting with a syntax error instead of overflowing the stack', () => {
    const deep = '('.repeat(8_000) + 'a' + ')'.repeat(8_000);
    expect(syntaxError(deep).message).toMatch(/nested too deeply/);
    expect(syntaxError('-'.repeat(5_000) + 'a').message).toMatch(/nested too deeply/);
    expect(syntaxError('NOT '.repeat(3_000) + 'a').message).toMatch(/nested too deeply/);
  });

  it('accepts nesting up to the limit', () => {
    const depth = QUERY_LIMITS.maxDepth;
    expect(parseQuery('('.repeat(depth) + 'a' + ')'.repeat(depth))).toEqual(term('a', depth));
  });

  it('rejects an over-long query and too many clauses', () => {
    expect(syntaxError('a'.repeat(QUERY_LIMITS.maxLength + 1)).message).toMatch(/too long/);
    expect(syntaxError('a '.repeat(QUERY_LIMITS.maxClauses + 1)).message).toMatch(/too many clauses/);
  });
});
