/**
 * Filters on value fields through the real write path. A field that is indexed and fast keeps
 * its first value in the docs table's sort column and only its other values in the values
 * table; filters must find a document by any of its values, with text (per-hit probes) and
 * without (the filter drives), and after updates, deletes and a schema change.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ShardStore, type IndexLayout } from '../../storage/index.js';
import { silentLogger, temporaryDirectory } from './shard-helpers.js';

interface Doc {
  readonly id: string;
  readonly body: string;
  readonly tags?: string[] | string | null;
  readonly size?: number[] | number;
  readonly draft?: boolean;
  readonly level?: number | number[];
}

const DOCS: readonly Doc[] = [
  { id: 'a', body: 'apple pie', tags: ['red', 'fruit', 'sweet'], size: [3, 10], level: 1 },
  { id: 'b', body: 'apple juice', tags: 'red', size: 7, level: 2 },
  { id: 'c', body: 'banana bread', tags: ['yellow', 'fruit', 'yellow'], size: [12], level: 3 },
  { id: 'd', body: 'banana split', tags: [], size: 1 },
  { id: 'e', body: 'apple tart', tags: null, draft: true, level: 2 },
  { id: 'f', body: 'cherry tart', tags: ['sweet', 'red'], size: [20, 2, 20], draft: false, level: 5 },
];

const valuesOf = (doc: Doc, field: 'tags' | 'size'): (string | number)[] => {
  const raw = doc[field];
  if (raw === undefined || raw === null) return [];
  return Array.isArray(raw) ? raw : [raw];
};

/** Each filter with the documents it must match, computed from DOCS. */
const FILTERS: readonly [string, (doc: Doc) => boolean][] = [
  ['tags:red', (doc) => valuesOf(doc, 'tags').includes('red')],
  ['tags:fruit', (doc) => valuesOf(doc, 'tags').includes('fruit')],
  ['tags:sweet', (doc) => valuesOf(doc, 'tags').includes('sweet')],
  [
    'tags:IN [yellow sweet]',
    (doc) => valuesOf(doc, 'tags').some((tag) => tag === 'yellow' || tag === 'sweet'),
  ],
  ['tags:fr*', (doc) => valuesOf(doc, 'tags').some((tag) => String(tag).startsWith('fr'))],
  ['tags:*', (doc) => valuesOf(doc, 'tags').length > 0],
  ['size:>=10', (doc) => valuesOf(doc, 'size').some((size) => Number(size) >= 10)],
  ['size:[2 TO 3]', (doc) => valuesOf(doc, 'size').some((size) => Number(size) >= 2 && Number(size) <= 3)],
  ['size:2', (doc) => valuesOf(doc, 'size').includes(2)],
  ['draft:true', (doc) => doc.draft === true],
  ['NOT tags:red', (doc) => !valuesOf(doc, 'tags').includes('red')],
  ['level:2', (doc) => doc.level === 2],
  ['level:>=2', (doc) => typeof doc.level === 'number' && doc.level >= 2],
  ['level:*', (doc) => doc.level !== undefined],
  ['NOT level:2', (doc) => doc.level !== 2],
];

function ids(store: ShardStore, query: string): string[] {
  return store
    .search('items', { query, limit: 100, offset: 0 })
    .hits.map((hit) => hit.id)
    .sort();
}

function write(store: ShardStore, docs: readonly Doc[]): void {
  const results = store.applyWrites(
    docs.map(({ id, ...doc }, position) => ({ kind: 'upsert' as const, position, index: 'items', id, doc })),
  );
  expect(results.every((result) => result.ok)).toBe(true);
}

describe('value filters over the sort column and the values table', () => {
  const directory = temporaryDirectory();
  let store: ShardStore;

  beforeAll(() => {
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.putSchema({
      name: 'items',
      fields: [
        { name: 'body', type: 'text', indexed: true, stored: true, fast: false },
        { name: 'tags', type: 'string', indexed: true, stored: true, fast: true },
        { name: 'size', type: 'i64', indexed: true, stored: true, fast: true },
        { name: 'draft', type: 'boolean', indexed: true, stored: true, fast: false },
        { name: 'level', type: 'i64', indexed: true, stored: true, fast: true },
      ],
      defaultSearchFields: ['body'],
      dynamic: false,
      version: 0,
    });
    write(store, DOCS);
  });
  afterAll(() => {
    store.close();
    directory.cleanup();
  });

  const layout = (): IndexLayout => {
    const found = store.searchIndex.layoutRecord('items')?.layout;
    if (found === undefined) throw new Error('no layout');
    return found;
  };

  it('keeps only the values after the first of a fast field in the values table', () => {
    const { valuesTable, valueFields } = layout();
    const number = (name: string) => valueFields.find((field) => field.field === name)?.fieldNumber;
    const rows = (name: string) =>
      store.searchIndex.db
        .prepare(`SELECT value FROM ${valuesTable} WHERE field = ? ORDER BY value`)
        .all(number(name))
        .map((row) => (row as { value: unknown }).value);
    // a: fruit, sweet (red is first); c: fruit (yellow first, its repeat dropped); f: red.
    expect(rows('tags')).toEqual(['fruit', 'fruit', 'red', 'sweet']);
    // a: 10; f: 2 (20 is first and repeated).
    expect(rows('size')).toEqual([2, 10]);
    // Not fast: every value.
    expect(rows('draft')).toEqual([0, 1]);
  });

  it.each(FILTERS)('%s finds a document by any of its values, with and without text', (filter, matches) => {
    const expected = DOCS.filter(matches).map((doc) => doc.id);
    expect(ids(store, filter)).toEqual(expected);
    // With text, FTS5 drives and the filter is probed per hit.
    const withText = DOCS.filter((doc) => doc.body.includes('apple') && matches(doc)).map((doc) => doc.id);
    expect(ids(store, `apple ${filter}`)).toEqual(withText);
    // As a branch of an OR with text.
    const either = DOCS.filter((doc) => doc.body.includes('tart') || matches(doc)).map((doc) => doc.id);
    expect(ids(store, `tart OR (${filter})`)).toEqual(either);
  });

  it('knows which fast fields never had several values in one document', () => {
    const flags = Object.fromEntries(layout().valueFields.map((field) => [field.field, field.singleValued]));
    expect(flags).toEqual({ tags: undefined, size: undefined, draft: undefined, level: true });
  });

  it('follows updates and deletes of multi-valued documents', () => {
    write(store, [{ id: 'a', body: 'apple pie', tags: ['green'], size: 4 }]);
    expect(ids(store, 'tags:red')).toEqual(['b', 'f']);
    expect(ids(store, 'tags:sweet')).toEqual(['f']);
    expect(ids(store, 'tags:green')).toEqual(['a']);
    store.delete('items', 'f');
    expect(ids(store, 'tags:sweet')).toEqual([]);
    expect(ids(store, 'size:2')).toEqual([]);
    expect(store.searchIndex.integrityProblems()).toEqual([]);
  });

  it('reads the values table of a field once a document gives it several values', () => {
    write(store, [{ id: 'g', body: 'grape jelly', level: [7, 9, 2] }]);
    expect(layout().valueFields.find((field) => field.field === 'level')?.singleValued).toBeUndefined();
    expect(ids(store, 'level:9')).toEqual(['g']);
    expect(ids(store, 'level:2')).toEqual(['b', 'e', 'g']);
    expect(ids(store, 'grape level:>8')).toEqual(['g']);
    expect(ids(store, 'level:>=5')).toEqual(['g']);
    // The flag stays cleared across a reopen (it lives in LMDB's metadata and the layout row).
    store.close();
    store = new ShardStore(directory.path, { logger: silentLogger });
    expect(layout().valueFields.find((field) => field.field === 'level')?.singleValued).toBeUndefined();
    expect(ids(store, 'level:9')).toEqual(['g']);
  });
});
