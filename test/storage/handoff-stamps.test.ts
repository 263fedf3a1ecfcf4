/**
 * Hybrid logical clock stamps in the shard store: every version and tombstone is stamped, a
 * handed-off copy is applied only when it is newer than both the live document (which it
 * replaces) and the tombstone, the clock never goes backwards across a restart, a received
 * stamp moves it forward, and records and tombstones from before stamps read sensibly.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { open } from 'lmdb';
import { MAX_FORWARD_MS, SHARD_FILES, ShardStore, stampOfTime } from '../../storage/index.js';
import { decodeRecord, encodeRecord } from '../../storage/record-codec.js';
import { adoptNote as adopt, ftsIds, silentLogger, temporaryDirectory } from './shard-helpers.js';

const T = Date.UTC(2026, 10, 22, 5, 0, 0);

describe('ShardStore stamps', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let store: ShardStore;
  let wallMs: number;

  const openStore = (): ShardStore =>
    new ShardStore(directory.path, { logger: silentLogger, wallClock: () => wallMs });

  beforeEach(() => {
    directory = temporaryDirectory();
    wallMs = T;
    store = openStore();
    store.write('notes', 'seed', { text: 'seed' });
  });
  afterEach(() => {
    store.close();
    directory.cleanup();
  });

  /** The stamp stored with a document (read through the rebalancing scan). */
  const stampOf = (id: string): number | undefined =>
    store.reads.scan('notes', undefined, 1000).documents.find((document) => document.id === id)?.stamp;

  it('stamps every write from the wall clock, increasing', () => {
    const seed = stampOf('seed')!;
    expect(seed).toBeGreaterThanOrEqual(stampOfTime(T));
    store.write('notes', 'a', { text: 'one' });
    const a1 = stampOf('a')!;
    store.write('notes', 'a', { text: 'two' });
    expect(a1).toBeGreaterThan(seed);
    expect(stampOf('a')!).toBeGreaterThan(a1);
  });

  it('skips a handed-off copy older than the live document', () => {
    store.write('notes', 'k', { text: 'here' });
    const here = stampOf('k')!;
    const [result] = store.applyWrites([adopt('k', 'older', 7, here - 1)]);
    expect(result).toMatchObject({ ok: true, result: 'skipped', version: 1 });
    expect(store.get('notes', 'k')?.doc).toEqual({ text: 'here' });
    // The same copy again (equal stamp) is skipped too.
    expect(store.applyWrites([adopt('k', 'same', 7, here)])[0]).toMatchObject({ result: 'skipped' });
    expect(stampOf('k')).toBe(here);
  });

  it('replaces the live document with a newer handed-off copy, in LMDB and in the index', () => {
    store.write('notes', 'k', { text: 'first' });
    store.write('notes', 'k', { text: 'second' });
    store.write('notes', 'k', { text: 'third' });
    const newer = stampOf('k')! + 5;
    const [result] = store.applyWrites([adopt('k', 'handed', 1, newer)]);
    // The version does not go back: above the replaced one's.
    expect(result).toMatchObject({ ok: true, result: 'updated', version: 4 });
    expect(store.get('notes', 'k')).toEqual({ id: 'k', version: 4, doc: { text: 'handed' } });
    expect(stampOf('k')).toBe(newer);
    expect(ftsIds(store, 'notes', 'handed')).toEqual(['k']);
    expect(ftsIds(store, 'notes', 'third')).toEqual([]);
    // A copy with a higher version keeps it.
    const [higher] = store.applyWrites([adopt('k', 'later', 9, newer + 1)]);
    expect(higher).toMatchObject({ result: 'updated', version: 9 });
    expect(store.stats().indexes.find((index) => index.name === 'notes')?.documents).toBe(2);
  });

  it('applies a copy newer than a tombstone and skips one older than it', () => {
    store.write('notes', 'gone', { text: 'x' });
    store.delete('notes', 'gone');
    store.delete('notes', 'never');
    // The delete's stamp is above the document's and below the next write's.
    store.write('notes', 'probe', { text: 'probe' });
    const afterDeletes = stampOf('probe')!;
    const results = store.applyWrites([
      adopt('gone', 'before the delete', 1, stampOfTime(T) + 1),
      adopt('never', 'after the delete', 1, afterDeletes + 1),
    ]);
    expect(results.map((result) => result.ok && result.result)).toEqual(['skipped', 'created']);
    expect(store.get('notes', 'gone')).toBeUndefined();
    expect(store.get('notes', 'never')?.doc).toEqual({ text: 'after the delete' });
    expect(ftsIds(store, 'notes', 'before')).toEqual([]);
    expect(ftsIds(store, 'notes', 'after')).toEqual(['never']);
  });

  it('never stamps below an earlier stamp after a restart, even when the wall clock went back', () => {
    store.write('notes', 'k', { text: 'before restart' });
    const before = stampOf('k')!;
    store.close();
    wallMs = T - 3_600_000;
    store = openStore();
    store.write('notes', 'other', { text: 'after restart' });
    expect(stampOf('other')!).toBeGreaterThan(before);
    store.write('notes', 'k', { text: 'after restart' });
    expect(stampOf('k')!).toBeGreaterThan(stampOf('other')!);
    // A delete is stamped above it too: a copy of the old version stays deleted.
    store.delete('notes', 'k');
    expect(store.applyWrites([adopt('k', 'old', 1, before + 1)])[0]).toMatchObject({ result: 'skipped' });
  });

  it('moves its clock past a received stamp, also across a restart', () => {
    const ahead = stampOfTime(T + 60_000) + 11;
    // A copy from a node whose clock runs a minute ahead of this one.
    store.applyWrites([adopt('moved', 'from a clock ahead', 1, ahead)]);
    store.write('notes', 'local', { text: 'later here' });
    expect(stampOf('local')!).toBe(ahead + 1);
    store.close();
    store = openStore();
    store.write('notes', 'local2', { text: 'after restart' });
    expect(stampOf('local2')!).toBe(ahead + 2);
  });

  it('takes a copy stamped by a broken clock (more than a day ahead) as a day ahead', () => {
    const [result] = store.applyWrites([
      adopt('far', 'from the future', 1, stampOfTime(T + 30 * MAX_FORWARD_MS)),
    ]);
    expect(result).toMatchObject({ result: 'created' });
    expect(stampOf('far')).toBe(stampOfTime(T + MAX_FORWARD_MS));
    // Later writes here still win over it, and stamps stay far below 2^53.
    store.write('notes', 'far', { text: 'local' });
    expect(stampOf('far')).toBe(stampOfTime(T + MAX_FORWARD_MS) + 1);
  });

  it('reads records and tombstones written before stamps: a record as 0, a tombstone by its time', () => {
    store.write('notes', 'legacy', { text: 'legacy' });
    store.close();
    // Rewrite the shard as a version without stamps left it.
    const root = open({ path: join(directory.path, SHARD_FILES.lmdb) });
    const documents = root.openDB<Buffer, [number, string]>('documents', { encoding: 'binary' });
    const tombstones = root.openDB<Buffer, [number, string]>('tombstones', { encoding: 'binary' });
    root.transactionSync(() => {
      for (const { key, value } of documents.getRange({})) {
        const decoded = decodeRecord<Record<string, unknown>>(value, 'document');
        delete decoded.stamp;
        documents.putSync(key, encodeRecord(decoded));
      }
      const uid = [...documents.getKeys({})][0]![0];
      tombstones.putSync([uid, 'deleted-long-ago'], encodeRecord(T - 60_000));
      tombstones.putSync([uid, 'deleted-in-the-future'], encodeRecord(T + 60_000));
      tombstones.putSync([uid, 'corrupt'], encodeRecord({ neither: 'time nor stamp' }));
    });
    void root.close();
    store = openStore();
    expect(stampOf('legacy')).toBe(0);
    const results = store.applyWrites([
      // Any stamped copy is newer than a record without a stamp; an unstamped one is not.
      adopt('legacy', 'unstamped', 2, undefined),
      adopt('seed', 'stamped', 2, 1),
      adopt('deleted-long-ago', 'written after the delete', 1, stampOfTime(T - 1_000)),
      adopt('deleted-in-the-future', 'written before the delete', 1, stampOfTime(T)),
    ]);
    expect(results.map((result) => result.ok && result.result)).toEqual([
      'skipped',
      'updated',
      'created',
      'skipped',
    ]);
    expect(store.get('notes', 'seed')?.doc).toEqual({ text: 'stamped' });
    // A tombstone that is neither: a typed error for that item, nothing written.
    expect(store.applyWrites([adopt('corrupt', 'x', 1, stampOfTime(T))])[0]).toMatchObject({
      ok: false,
      error: { code: 'STORAGE_ERROR' },
    });
    expect(store.get('notes', 'corrupt')).toBeUndefined();
    // A local write replaces the legacy record with a stamped one.
    store.write('notes', 'legacy', { text: 'rewritten' });
    expect(stampOf('legacy')!).toBeGreaterThan(stampOfTime(T));
  });
});
