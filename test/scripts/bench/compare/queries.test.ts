import { describe, expect, it } from '@jest/globals';
import type { CorpusDocument } from '../../../../scripts/bench/compare/corpus.js';
import {
  buildQueries,
  cleanWords,
  describeQuery,
  seededRandom,
} from '../../../../scripts/bench/compare/queries.js';
import { cameoQueryString } from '../../../../scripts/bench/compare/cameodb-target.js';
import { searchStatement } from '../../../../scripts/bench/compare/postgres-target.js';

function document(id: string, description: string, section = 'utils'): CorpusDocument {
  return { id, name: id, section, version: '1', description, maintainer: '', architecture: 'all' };
}

const CORPUS = [
  document('a', 'Command line utility for parsing JSON documents'),
  document('b', 'Python library, bindings for GTK+ (toolkit) version 3', 'python'),
  document('c', 'Fast compression program', 'contrib/utils'),
];

describe('query generation', () => {
  it('the seeded generator repeats for a seed and differs across seeds', () => {
    const first = seededRandom(42);
    const again = seededRandom(42);
    const other = seededRandom(43);
    const a = [first(), first(), first()];
    expect([again(), again(), again()]).toEqual(a);
    expect([other(), other(), other()]).not.toEqual(a);
    for (const value of a) expect(value >= 0 && value < 1).toBe(true);
  });

  it('keeps only plain lowercase words and marks adjacency', () => {
    expect(cleanWords('Python library, bindings for GTK+ (toolkit) version 3')).toEqual([
      { word: 'python', adjacentToPrevious: false },
      { word: 'bindings', adjacentToPrevious: false },
      { word: 'version', adjacentToPrevious: false },
    ]);
    expect(cleanWords('Command line utility').map((entry) => entry.adjacentToPrevious)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('builds deterministic queries whose words occur in the corpus', () => {
    const terms = buildQueries(CORPUS, 'term', 20, 1);
    expect(terms).toHaveLength(20);
    expect(buildQueries(CORPUS, 'term', 20, 1)).toEqual(terms);
    const vocabulary = new Set(CORPUS.flatMap((entry) => entry.description.toLowerCase().split(/[^a-z]+/)));
    for (const query of terms) {
      if (query.kind !== 'term') throw new Error('wrong kind');
      for (const term of query.terms) expect(vocabulary.has(term)).toBe(true);
    }
  });

  it('phrases are adjacent pairs, prefixes are 4 letters, filters use plain sections only', () => {
    for (const query of buildQueries(CORPUS, 'phrase', 10, 2)) {
      if (query.kind !== 'phrase') throw new Error('wrong kind');
      expect(CORPUS.some((entry) => entry.description.toLowerCase().includes(query.words.join(' ')))).toBe(
        true,
      );
    }
    for (const query of buildQueries(CORPUS, 'prefix', 10, 3)) {
      if (query.kind !== 'prefix') throw new Error('wrong kind');
      expect(query.prefix).toMatch(/^[a-z]{4}$/);
    }
    const filtered = buildQueries(CORPUS, 'filtered', 10, 4);
    expect(filtered.length).toBeGreaterThan(0);
    for (const query of filtered) {
      if (query.kind !== 'filtered') throw new Error('wrong kind');
      expect(['utils', 'python']).toContain(query.section);
    }
  });

  it('returns fewer queries rather than looping for ever on an unusable corpus', () => {
    expect(buildQueries([document('x', 'GTK+ 3 ++')], 'term', 5, 1)).toEqual([]);
    expect(buildQueries([], 'phrase', 5, 1)).toEqual([]);
  });
});

describe('query translation', () => {
  it('CameoDB query strings follow its query language', () => {
    expect(cameoQueryString({ kind: 'term', terms: ['json', 'parser'] })).toBe('json parser');
    expect(cameoQueryString({ kind: 'phrase', words: ['command', 'line'] })).toBe('"command line"');
    expect(cameoQueryString({ kind: 'prefix', prefix: 'pyth' })).toBe('pyth*');
    expect(cameoQueryString({ kind: 'filtered', terms: ['json'], section: 'utils' })).toBe(
      'json section:utils',
    );
    expect(describeQuery({ kind: 'prefix', prefix: 'pyth' })).toBe('pyth*');
  });

  it('Postgres statements are parameterised and ranked by ts_rank_cd', () => {
    const term = searchStatement({ kind: 'term', terms: ['json', 'parser'] }, 10);
    expect(term.text).toContain("plainto_tsquery('simple', $1)");
    expect(term.text).toContain('ORDER BY ts_rank_cd(tsv, q) DESC, id LIMIT $2');
    expect(term.values).toEqual(['json parser', 10]);
    expect(searchStatement({ kind: 'phrase', words: ['a', 'b'] }, 10).text).toContain('phraseto_tsquery');
    expect(searchStatement({ kind: 'prefix', prefix: 'pyth' }, 10).values).toEqual(['pyth:*', 10]);
    const filtered = searchStatement({ kind: 'filtered', terms: ['json'], section: "x'; drop" }, 10);
    expect(filtered.text).toContain('AND section = $2');
    expect(filtered.text).toContain('LIMIT $3');
    expect(filtered.values).toEqual(['json', "x'; drop", 10]);
  });
});
