/** Searching a shard through the query module: hits, totals, fields, sort, highlights, readers. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errorFromWire } from '../../messages/index.js';
import { ShardReader, ShardStore } from '../../storage/index.js';
import runStorageTask from '../../storage/worker-tasks.js';
import { silentLogger, temporaryDirectory } from './shard-helpers.js';

const spec = (query: string, extra: Record<string, unknown> = {}) => ({
  query,
  limit: 10,
  offset: 0,
  ...extra,
});

describe('shard search', () => {
  const directory = temporaryDirectory();
  let store: ShardStore;

  beforeAll(() => {
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.applyWrites(
      [
        {
          name: 'vim',
          description: 'Vi IMproved, a highly configurable text editor',
          section: 'editors',
          size: 3000,
        },
        {
          name: 'emacs',
          description: 'GNU Emacs editor, extensible and customizable',
          section: 'editors',
          size: 9000,
        },
        {
          name: 'nano',
          description: 'small, friendly text editor inspired by Pico',
          section: 'editors',
          size: 800,
        },
        {
          name: 'curl',
          description: 'command line tool for transferring data with URL syntax',
          section: 'web',
          size: 500,
        },
      ].map((doc, position) => ({ kind: 'upsert' as const, position, index: 'pkgs', id: doc.name, doc })),
    );
  });
  afterAll(() => {
    store.close();
    directory.cleanup();
  });

  it('finds documents by terms with scores, totals and stored fields', () => {
    const result = store.search('pkgs', spec('text editor'));
    expect(result.totalHits).toBe(2);
    expect(result.hits.map((hit) => hit.id).sort()).toEqual(['nano', 'vim']);
    expect(result.hits[0]?.score).toBeGreaterThan(0);
    expect(result.hits[0]?.fields?.section).toBe('editors');
    expect(store.count('pkgs', 'editor')).toBe(3);
    expect(store.count('pkgs', '*')).toBe(4);
  });

  it('sorts by a fast field, selects fields, pages and highlights', () => {
    const sorted = store.search(
      'pkgs',
      spec('editor', { sort: { field: 'size', order: 'desc' }, fields: ['name'] }),
    );
    expect(sorted.hits.map((hit) => [hit.id, hit.sortValue])).toEqual([
      ['emacs', 9000],
      ['vim', 3000],
      ['nano', 800],
    ]);
    expect(sorted.hits[0]?.fields).toEqual({ name: 'emacs' });
    const paged = store.search(
      'pkgs',
      spec('editor', { sort: { field: 'size', order: 'asc' }, limit: 1, offset: 1, fields: [] }),
    );
    expect(paged.hits.map((hit) => hit.id)).toEqual(['vim']);
    expect(paged.hits[0]?.fields).toBeUndefined();
    expect(paged.totalHits).toBe(3);
    const highlighted = store.search('pkgs', spec('configurable', { highlight: ['description'] }));
    expect(highlighted.hits[0]?.highlights?.description).toMatch(
      /<b>configurable<\/b>|<em>configurable<\/em>|configurable/,
    );
    expect(highlighted.hits[0]?.highlights?.description).not.toBe(
      'Vi IMproved, a highly configurable text editor',
    );
  });

  it('makes an acknowledged write visible to a reader at once, and deletes vanish at once', () => {
    const reader = new ShardReader(directory.path);
    try {
      store.write('pkgs', 'ed', {
        name: 'ed',
        description: 'classic unix line editor',
        section: 'editors',
        size: 100,
      });
      expect(reader.search('pkgs', spec('unix')).hits.map((hit) => hit.id)).toEqual(['ed']);
      store.delete('pkgs', 'ed');
      expect(reader.search('pkgs', spec('unix')).totalHits).toBe(0);
      expect(reader.count('pkgs', 'editor')).toBe(3);
    } finally {
      reader.close();
    }
  });

  it('reports typed errors for bad queries and unknown indexes', () => {
    expect(() => store.search('pkgs', spec('(unclosed'))).toThrow(
      expect.objectContaining({ code: 'QUERY_SYNTAX_ERROR' }),
    );
    expect(() => store.search('nope', spec('x'))).toThrow(
      expect.objectContaining({ code: 'INDEX_NOT_FOUND' }),
    );
    expect(() => store.search('pkgs', spec('x', { limit: 20_000 }))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR' }),
    );
  });

  it('runs storage tasks and returns failures as wire errors', () => {
    const path = directory.path;
    const write = runStorageTask({
      kind: 'applyWrites',
      shardPath: path,
      operations: [{ kind: 'upsert', position: 3, index: 'tasks', id: 'a', doc: { title: 'task document' } }],
    });
    expect(write).toEqual({
      ok: true,
      kind: 'applyWrites',
      results: [{ ok: true, position: 3, id: 'a', result: 'created', version: 1 }],
    });
    const search = runStorageTask({
      kind: 'search',
      shardPaths: [path],
      index: 'tasks',
      search: spec('document'),
    });
    expect(search.ok && search.kind === 'search' && search.hits.map((hit) => hit.id)).toEqual(['a']);
    const failed = runStorageTask({
      kind: 'search',
      shardPaths: [path],
      index: 'tasks',
      search: spec('"unterminated'),
    });
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(errorFromWire(failed.error).code).toBe('QUERY_SYNTAX_ERROR');
    expect(runStorageTask({ kind: 'stats', shardPath: path })).toMatchObject({ ok: true, kind: 'stats' });
    expect(runStorageTask({ kind: 'close', shardPath: path })).toEqual({ ok: true, kind: 'close' });
  });
});

describe('stored value types', () => {
  it('keeps a string value that looks like a number a string (STRICT tables)', () => {
    const directory = temporaryDirectory();
    const store = new ShardStore(directory.path, { logger: silentLogger });
    try {
      store.putSchema({
        name: 'codes',
        fields: [
          { name: 'code', type: 'string', indexed: true, stored: true, fast: true },
          { name: 'title', type: 'text', indexed: true, stored: true, fast: false },
        ],
        defaultSearchFields: [],
        dynamic: true,
        version: 0,
      });
      store.write('codes', 'a', { code: '007', title: 'agent' });
      store.write('codes', 'b', { code: '7', title: 'agent' });
      expect(store.search('codes', spec('code:007')).hits.map((hit) => hit.id)).toEqual(['a']);
      expect(store.search('codes', spec('code:7')).hits.map((hit) => hit.id)).toEqual(['b']);
      const sorted = store.search('codes', spec('agent', { sort: { field: 'code', order: 'asc' } }));
      expect(sorted.hits.map((hit) => hit.sortValue)).toEqual(['007', '7']);
    } finally {
      store.close();
      directory.cleanup();
    }
  });
});
