/**
 * The storage side of rebalancing: scanning an index in pages, adopting handed-off documents
 * only when nothing newer is here (no live document, no tombstone), conditional deletes of
 * handed-off copies, stored routing keys, and tombstone pruning on compact.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ShardStore } from '../../storage/index.js';
import { adoptNote as adopt, ftsIds, silentLogger, temporaryDirectory } from './shard-helpers.js';

describe('ShardStore handoff writes', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let store: ShardStore;

  beforeEach(() => {
    directory = temporaryDirectory();
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.write('notes', 'seed', { text: 'seed' });
  });
  afterEach(() => {
    store.close();
    directory.cleanup();
  });

  it('scans an index in id order, page by page, with the stored routing key', () => {
    for (let i = 0; i < 7; i++) {
      store.applyWrites([
        {
          kind: 'upsert',
          position: 0,
          index: 'notes',
          id: `n${i}`,
          doc: { text: `t${i}` },
          ...(i === 3 ? { routingKey: 'tenant-a' } : i === 4 ? { routingKey: 'n4' } : {}),
        },
      ]);
    }
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = store.reads.scan('notes', after, 3);
      pages++;
      seen.push(...page.documents.map((document) => document.id));
      if (page.next === undefined) break;
      after = page.next;
    }
    expect(seen).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'seed']);
    expect(pages).toBe(3);
    const all = store.reads.scan('notes', undefined, 100).documents;
    // Kept only when it is not the id.
    expect(all.find((document) => document.id === 'n3')?.routingKey).toBe('tenant-a');
    expect(all.find((document) => document.id === 'n4')).not.toHaveProperty('routingKey');
    expect(store.reads.scan('absent', undefined, 10)).toEqual({ documents: [] });
  });

  it('adopts a handed-off document with its version when nothing is here', () => {
    const [result] = store.applyWrites([adopt('moved', 'moved words', 5)]);
    expect(result).toMatchObject({ ok: true, result: 'created', version: 5 });
    expect(store.get('notes', 'moved')).toEqual({ id: 'moved', version: 5, doc: { text: 'moved words' } });
    expect(ftsIds(store, 'notes', 'moved')).toEqual(['moved']);
  });

  it('skips a handed-off document when a newer write is here', () => {
    store.write('notes', 'raced', { text: 'newer' });
    const [result] = store.applyWrites([adopt('raced', 'older', 9)]);
    expect(result).toMatchObject({ ok: true, result: 'skipped', version: 1 });
    expect(store.get('notes', 'raced')?.doc).toEqual({ text: 'newer' });
  });

  it('skips a handed-off document deleted here before it arrived (also when it never existed here)', () => {
    expect(store.delete('notes', 'never-here')).toMatchObject({ result: 'not_found' });
    store.write('notes', 'was-here', { text: 'x' });
    store.delete('notes', 'was-here');
    const results = store.applyWrites([adopt('never-here', 'old', 1), adopt('was-here', 'old', 1)]);
    expect(results.map((result) => result.ok && result.result)).toEqual(['skipped', 'skipped']);
    expect(store.get('notes', 'never-here')).toBeUndefined();
    expect(store.get('notes', 'was-here')).toBeUndefined();
    expect(ftsIds(store, 'notes', 'old')).toEqual([]);
  });

  it('never creates an index from a handed-off document', () => {
    const [result] = store.applyWrites([{ ...adopt('x', 'y', 1), index: 'dropped' }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'INDEX_NOT_FOUND' } });
    expect(store.getSchema('dropped')).toBeUndefined();
  });

  it('removes a handed-off copy only at the version that was sent, without a tombstone', () => {
    store.write('notes', 'kept', { text: 'v1' });
    store.write('notes', 'kept', { text: 'v2' });
    store.write('notes', 'gone', { text: 'v1' });
    const results = store.applyWrites([
      { kind: 'delete', position: 0, index: 'notes', id: 'kept', ifVersion: 1, handedOff: true },
      { kind: 'delete', position: 1, index: 'notes', id: 'gone', ifVersion: 1, handedOff: true },
    ]);
    expect(results.map((result) => result.ok && result.result)).toEqual(['skipped', 'deleted']);
    expect(store.get('notes', 'kept')?.doc).toEqual({ text: 'v2' });
    expect(store.get('notes', 'gone')).toBeUndefined();
    // No tombstone: the same id may be adopted back.
    expect(store.applyWrites([adopt('gone', 'back', 1)])[0]).toMatchObject({ result: 'created' });
  });

  it('compact forgets tombstones older than the retention', async () => {
    store.close();
    store = new ShardStore(directory.path, { logger: silentLogger, tombstoneRetentionMs: 0 });
    store.delete('notes', 'old-delete');
    await new Promise((resolve) => setTimeout(resolve, 5));
    store.compact();
    expect(store.applyWrites([adopt('old-delete', 'came back', 1)])[0]).toMatchObject({ result: 'created' });
  });

  it('keeps tombstones across a reopen', () => {
    store.delete('notes', 'deleted-before-restart');
    store.close();
    store = new ShardStore(directory.path, { logger: silentLogger });
    store.compact();
    expect(store.applyWrites([adopt('deleted-before-restart', 'x', 1)])[0]).toMatchObject({
      result: 'skipped',
    });
  });

  it('a delete repeated later renews its tombstone: pruning goes by the newest delete', async () => {
    store.close();
    store = new ShardStore(directory.path, { logger: silentLogger, tombstoneRetentionMs: 200 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    store.delete('notes', 'deleted-twice');
    await sleep(150);
    store.delete('notes', 'deleted-twice');
    await sleep(100);
    store.compact();
    expect(store.applyWrites([adopt('deleted-twice', 'x', 1)])[0]).toMatchObject({ result: 'skipped' });
  });
});
