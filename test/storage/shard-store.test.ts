/** Write pipeline of the shard store: upserts, deletes, versions, per-document errors. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ShardStore, type WriteOperation } from '../../storage/index.js';
import { docsTableIds, ftsIds, silentLogger, temporaryDirectory } from './shard-helpers.js';

describe('ShardStore write pipeline', () => {
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

  it('acknowledges an upsert only when it is readable by id and searchable', () => {
    const result = store.write('packages', 'vim', { name: 'vim', description: 'Vi IMproved text editor' });
    expect(result).toEqual({ ok: true, position: 0, id: 'vim', result: 'created', version: 1 });
    expect(store.get('packages', 'vim')).toEqual({
      id: 'vim',
      version: 1,
      doc: { name: 'vim', description: 'Vi IMproved text editor' },
    });
    expect(ftsIds(store, 'packages', 'editor')).toEqual(['vim']);
  });

  it('replaces the whole document on upsert and bumps the version', () => {
    store.write('packages', 'vim', { name: 'vim', description: 'editor', section: 'editors' });
    const second = store.write('packages', 'vim', { name: 'vim', description: 'modal tool' });
    expect(second).toMatchObject({ ok: true, result: 'updated', version: 2 });
    expect(store.get('packages', 'vim')?.doc).toEqual({ name: 'vim', description: 'modal tool' });
    expect(ftsIds(store, 'packages', 'editor')).toEqual([]);
    expect(ftsIds(store, 'packages', 'modal')).toEqual(['vim']);
    expect(ftsIds(store, 'packages', 'editors')).toEqual([]);
  });

  it('deletes from both stores and reports not_found for missing documents', () => {
    store.write('packages', 'vim', { description: 'editor' });
    expect(store.delete('packages', 'vim')).toMatchObject({ ok: true, result: 'deleted', version: 2 });
    expect(store.get('packages', 'vim')).toBeUndefined();
    expect(ftsIds(store, 'packages', 'editor')).toEqual([]);
    expect(docsTableIds(store, 'packages')).toEqual([]);
    expect(store.delete('packages', 'vim')).toMatchObject({ ok: true, result: 'not_found', version: 0 });
    expect(store.delete('nothing-here', 'x')).toMatchObject({ ok: true, result: 'not_found' });
  });

  it('recreates a deleted document with version 1 and a fresh document number', () => {
    store.write('p', 'a', { t: 'one' });
    store.delete('p', 'a');
    expect(store.write('p', 'a', { t: 'two' })).toMatchObject({ result: 'created', version: 1 });
    expect(ftsIds(store, 'p', 'two')).toEqual(['a']);
    expect(ftsIds(store, 'p', 'one')).toEqual([]);
  });

  it('reports per-document errors with the caller positions and applies the valid documents', () => {
    store.write('p', 'seed', { count: 1, title: 'seed' });
    const operations: WriteOperation[] = [
      { kind: 'upsert', position: 10, index: 'p', id: 'good-1', doc: { count: 2, title: 'alpha' } },
      { kind: 'upsert', position: 11, index: 'p', id: 'bad-type', doc: { count: 'many', title: 'beta' } },
      {
        kind: 'upsert',
        position: 12,
        index: 'p',
        id: 'bad-proto',
        doc: JSON.parse('{"title":"x","nested":{"__proto__":{"a":1}}}'),
      },
      { kind: 'upsert', position: 13, index: 'p', id: 'bad-id', doc: { id: 'other', title: 'gamma' } },
      { kind: 'upsert', position: 14, index: 'BAD NAME', id: 'x', doc: { title: 'delta' } },
      { kind: 'upsert', position: 15, index: 'p', id: '', doc: { title: 'epsilon' } },
      {
        kind: 'upsert',
        position: 16,
        index: 'p',
        id: 'good-2',
        doc: { id: 'good-2', count: 3, title: 'zeta' },
      },
      { kind: 'delete', position: 17, index: 'p', id: 'seed' },
    ];
    const results = store.applyWrites(operations);
    expect(
      results.map((result) => [result.position, result.ok, result.ok ? result.result : result.error.code]),
    ).toEqual([
      [10, true, 'created'],
      [11, false, 'FIELD_TYPE_ERROR'],
      [12, false, 'VALIDATION_ERROR'],
      [13, false, 'VALIDATION_ERROR'],
      [14, false, 'INVALID_ID'],
      [15, false, 'INVALID_ID'],
      [16, true, 'created'],
      [17, true, 'deleted'],
    ]);
    const typeError = results[1];
    expect(typeError?.ok === false && typeError.error.message).toContain('field "count" expects i64');
    expect(store.get('p', 'bad-type')).toBeUndefined();
    expect(store.get('p', 'bad-proto')).toBeUndefined();
    expect(ftsIds(store, 'p', 'beta')).toEqual([]);
    expect(docsTableIds(store, 'p')).toEqual(['good-1', 'good-2']);
  });

  it('does not add fields of a rejected document to the schema', () => {
    store.write('p', 'a', { count: 1 });
    const [result] = store.applyWrites([
      { kind: 'upsert', position: 0, index: 'p', id: 'b', doc: { count: 'x', newField: 'text' } },
    ]);
    expect(result?.ok).toBe(false);
    expect(store.getSchema('p')?.fields.map((field) => field.name)).toEqual(['count']);
  });

  it('applies several writes of one id in one group in order', () => {
    const results = store.applyWrites([
      { kind: 'upsert', position: 0, index: 'p', id: 'a', doc: { t: 'first' } },
      { kind: 'upsert', position: 1, index: 'p', id: 'a', doc: { t: 'second' } },
      { kind: 'delete', position: 2, index: 'p', id: 'a' },
      { kind: 'upsert', position: 3, index: 'p', id: 'a', doc: { t: 'third' } },
    ]);
    expect(results.map((result) => (result.ok ? `${result.result}:${result.version}` : 'error'))).toEqual([
      'created:1',
      'updated:2',
      'deleted:3',
      'created:1',
    ]);
    expect(ftsIds(store, 'p', 'third')).toEqual(['a']);
    expect(ftsIds(store, 'p', 'first OR second')).toEqual([]);
  });

  it('writes several indexes in one group', () => {
    store.applyWrites([
      { kind: 'upsert', position: 0, index: 'one', id: 'a', doc: { t: 'apple' } },
      { kind: 'upsert', position: 1, index: 'two', id: 'a', doc: { t: 'banana' } },
    ]);
    expect(ftsIds(store, 'one', 'apple')).toEqual(['a']);
    expect(ftsIds(store, 'two', 'banana')).toEqual(['a']);
    expect(ftsIds(store, 'two', 'apple')).toEqual([]);
  });

  it('refuses writes to unknown indexes when auto-creation is off', () => {
    const strict = temporaryDirectory();
    const strictStore = new ShardStore(strict.path, { logger: silentLogger, autoCreateIndexes: false });
    try {
      const result = strictStore.write('missing', 'a', { t: 'x' });
      expect(result.ok === false && result.error.code).toBe('INDEX_NOT_FOUND');
      strictStore.putSchema({
        name: 'missing',
        fields: [{ name: 't', type: 'text', indexed: true, stored: true, fast: false }],
        defaultSearchFields: [],
        dynamic: false,
        version: 0,
      });
      expect(strictStore.write('missing', 'a', { t: 'x' }).ok).toBe(true);
      const unknownField = strictStore.write('missing', 'b', { t: 'x', other: 1 });
      expect(unknownField.ok === false && unknownField.error.code).toBe('VALIDATION_ERROR');
    } finally {
      strictStore.close();
      strict.cleanup();
    }
  });

  it('rejects non-JSON values with a validation error', () => {
    const results = store.applyWrites([
      { kind: 'upsert', position: 0, index: 'p', id: 'a', doc: { n: Number.NaN } },
      { kind: 'upsert', position: 1, index: 'p', id: 'b', doc: [1, 2] as unknown as Record<string, never> },
      {
        kind: 'upsert',
        position: 2,
        index: 'p',
        id: 'c',
        doc: { d: new Date() } as unknown as Record<string, never>,
      },
    ]);
    expect(results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
  });
});
