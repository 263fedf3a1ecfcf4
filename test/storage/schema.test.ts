/** Schema inference, evolution and conflict detection of the shard store. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SchemaConflictError, type IndexSchema } from '../../messages/index.js';
import { ShardStore } from '../../storage/index.js';
import { docsTableIds, ftsIds, ftsRowids, silentLogger, temporaryDirectory } from './shard-helpers.js';

const textField = (name: string, weight?: number): IndexSchema['fields'][number] => ({
  name,
  type: 'text',
  indexed: true,
  stored: true,
  fast: false,
  ...(weight === undefined ? {} : { weight }),
});

describe('ShardStore schemas', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let store: ShardStore;

  beforeEach(() => {
    directory = temporaryDirectory();
    store = new ShardStore(directory.path, { logger: silentLogger });
  });
  afterEach(() => {
    store.close();
    directory.cleanup();
  });

  it('infers field types from the first document', () => {
    store.write('p', 'a', {
      title: 'hello',
      count: 3,
      ratio: 0.5,
      active: true,
      released: '2024-05-01T10:00:00Z',
      meta: { nested: 1 },
      tags: ['x', 'y'],
      sizes: [1, 2],
      nothing: null,
    });
    const schema = store.getSchema('p');
    expect(schema?.fields.map((field) => [field.name, field.type])).toEqual([
      ['title', 'text'],
      ['count', 'i64'],
      ['ratio', 'f64'],
      ['active', 'boolean'],
      ['released', 'date'],
      ['meta', 'json'],
      ['tags', 'text'],
      ['sizes', 'i64'],
    ]);
    expect(schema?.dynamic).toBe(true);
    expect(schema?.version).toBe(1);
  });

  it('adds a new text field later, rebuilds the FTS table and makes it searchable for old and new documents', () => {
    store.write('p', 'a', { title: 'first' });
    store.write('p', 'b', { title: 'second' });
    const before = store.searchIndex.layoutRecord('p');
    store.write('p', 'c', { title: 'third', summary: 'brand new words' });
    const after = store.searchIndex.layoutRecord('p');
    expect(after?.layout.ftsTable).not.toBe(before?.layout.ftsTable);
    expect(store.getSchema('p')?.fields.map((field) => field.name)).toEqual(['title', 'summary']);
    expect(store.getSchema('p')?.version).toBe(2);
    expect(ftsIds(store, 'p', 'brand')).toEqual(['c']);
    expect(ftsIds(store, 'p', 'first')).toEqual(['a']);
    expect(ftsIds(store, 'p', 'second')).toEqual(['b']);
    expect(store.searchIndex.tableExists(before?.layout.ftsTable ?? '')).toBe(false);
  });

  it('keeps exactly one FTS row per document when a group adds new documents and a new text field', () => {
    store.write('p', 'a', { title: 'common first' });
    store.applyWrites([
      { kind: 'upsert', position: 0, index: 'p', id: 'b', doc: { title: 'common second' } },
      {
        kind: 'upsert',
        position: 1,
        index: 'p',
        id: 'c',
        doc: { title: 'common third', summary: 'common new field' },
      },
      { kind: 'upsert', position: 2, index: 'p', id: 'a', doc: { title: 'common first again' } },
      { kind: 'upsert', position: 3, index: 'p', id: 'd', doc: { title: 'common fourth' } },
    ]);
    // FTS5 merges a second insert of a rowid into the first; a delete then leaves an orphan.
    store.delete('p', 'b');
    store.delete('p', 'c');
    expect(ftsRowids(store, 'p', 'common').sort()).toEqual(
      store.searchIndex
        .docsRows(store.searchIndex.layoutRecord('p')!.layout)
        .map((row) => row.rowid)
        .sort(),
    );
    expect(ftsRowids(store, 'p', 'common')).toHaveLength(2);
    expect(ftsIds(store, 'p', 'second OR third OR field')).toEqual([]);
    expect(store.searchIndex.integrityProblems()).toEqual([]);
  });

  it('adds a new fast field later as a new sort column', () => {
    store.write('p', 'a', { title: 'first' });
    store.write('p', 'b', { title: 'second', year: 2001 });
    const record = store.searchIndex.layoutRecord('p');
    const year = record?.layout.valueFields.find((field) => field.field === 'year');
    expect(year?.sortColumn).toBeDefined();
    const rows = store.searchIndex.db
      .prepare(
        `SELECT id, ${year?.sortColumn ?? 'missing'} AS year FROM ${record?.layout.docsTable ?? 'missing'} ORDER BY id`,
      )
      .all();
    expect(rows).toEqual([
      { id: 'a', year: null },
      { id: 'b', year: 2001 },
    ]);
  });

  it('rejects a value that does not fit the inferred type with a clear error', () => {
    store.write('p', 'a', { released: '2024-05-01T10:00:00Z', count: 1 });
    const bad = store.write('p', 'b', { released: 'yesterday' });
    expect(bad.ok === false && bad.error).toMatchObject({ code: 'FIELD_TYPE_ERROR' });
    expect(bad.ok === false && bad.error.message).toContain('"released"');
    const float = store.write('p', 'c', { count: 1.5 });
    expect(float.ok === false && float.error.code).toBe('FIELD_TYPE_ERROR');
  });

  it('put on an empty index replaces the schema, on a populated index allows compatible changes', () => {
    store.putSchema({
      name: 'p',
      fields: [textField('title')],
      defaultSearchFields: [],
      dynamic: true,
      version: 0,
    });
    store.putSchema({
      name: 'p',
      fields: [{ name: 'title', type: 'string', indexed: true, stored: true, fast: true }],
      defaultSearchFields: [],
      dynamic: true,
      version: 0,
    });
    expect(store.getSchema('p')?.fields[0]?.type).toBe('string');
    store.dropIndex('p');

    store.putSchema({
      name: 'p',
      fields: [textField('title')],
      defaultSearchFields: [],
      dynamic: false,
      version: 0,
    });
    store.write('p', 'a', { title: 'hello world' });
    const updated = store.putSchema({
      name: 'p',
      fields: [textField('title', 3), textField('body')],
      defaultSearchFields: ['title'],
      dynamic: false,
      version: 0,
    });
    expect(updated.version).toBe(2);
    expect(
      store.searchIndex.layoutRecord('p')?.layout.textFields.map((field) => [field.field, field.weight]),
    ).toEqual([
      ['title', 3],
      ['body', 1],
    ]);
    expect(store.write('p', 'b', { title: 'x', body: 'searchable body' }).ok).toBe(true);
    expect(ftsIds(store, 'p', 'hello')).toEqual(['a']);
    expect(ftsIds(store, 'p', 'body')).toEqual(['b']);
  });

  it('refuses incompatible changes on a populated index with SchemaConflictError', () => {
    store.write('p', 'a', { title: 'hello', count: 1, extra: { any: 1 } });
    const current = store.getSchema('p');
    if (current === undefined) throw new Error('schema missing');
    const retyped = {
      ...current,
      fields: current.fields.map((field) =>
        field.name === 'count' ? { ...field, type: 'f64' as const } : field,
      ),
    };
    expect(() => store.putSchema(retyped)).toThrow(SchemaConflictError);
    const removed = { ...current, fields: current.fields.filter((field) => field.name !== 'title') };
    expect(() => store.putSchema(removed)).toThrow(SchemaConflictError);
    // A stored-only json field may go.
    const withoutJson = { ...current, fields: current.fields.filter((field) => field.name !== 'extra') };
    expect(store.putSchema(withoutJson).fields.map((field) => field.name)).toEqual(['title', 'count']);
    expect(() =>
      store.patchSchema('p', {
        fields: [{ name: 'count', type: 'text', indexed: true, stored: true, fast: false }],
      }),
    ).toThrow(SchemaConflictError);
    expect(store.getSchema('p')?.fields.find((field) => field.name === 'count')?.type).toBe('i64');
  });

  it('patches a schema, rebuilding tables from LMDB when the layout changes', () => {
    store.write('p', 'a', { title: 'hello', code: 'abc' });
    store.putSchema({
      name: 'p',
      fields: [textField('title'), { name: 'code', type: 'text', indexed: false, stored: true, fast: false }],
      defaultSearchFields: [],
      dynamic: true,
      version: 0,
    });
    expect(ftsIds(store, 'p', 'abc')).toEqual([]);
    const patched = store.patchSchema('p', { fields: [textField('code')] });
    expect(patched.fields.find((field) => field.name === 'code')?.indexed).toBe(true);
    expect(ftsIds(store, 'p', 'abc')).toEqual(['a']);
    expect(docsTableIds(store, 'p')).toEqual(['a']);
  });

  it('validates schemas', () => {
    const base = {
      name: 'p',
      fields: [textField('title')],
      defaultSearchFields: [],
      dynamic: true,
      version: 0,
    };
    expect(() => store.putSchema({ ...base, fields: [textField('id')] })).toThrow(/reserved/);
    expect(() => store.putSchema({ ...base, fields: [textField('a'), textField('a')] })).toThrow(/twice/);
    expect(() => store.putSchema({ ...base, defaultSearchFields: ['nope'] })).toThrow(/default search field/);
    expect(() => store.putSchema({ ...base, name: 'Bad Name' })).toThrow(/IndexName/);
    expect(() => store.patchSchema('unknown', {})).toThrow(/not found/);
  });
});
