/**
 * A search index that fell behind LMDB because the disk filled (SQLite full after LMDB took
 * the group) catches up on its own once space is freed: the durable write becomes
 * searchable without another write. The full disk is SQLite's own limit on the database's
 * pages (`max_page_count`), which fails a growing write with SQLITE_FULL like a full disk.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { StorageFullError } from '../../messages/index.js';
import { ShardStore } from '../../storage/index.js';
import { silentLogger, temporaryDirectory } from './shard-helpers.js';

const body = 'meadow harbor lantern '.repeat(400);

describe('search index catch-up after a full disk', () => {
  let directory: { path: string; cleanup: () => void } | undefined;
  let store: ShardStore | undefined;
  afterEach(() => {
    store?.close();
    directory?.cleanup();
  });

  it('applies a durable write that SQLite could not take once it can, without another write', async () => {
    directory = temporaryDirectory();
    store = new ShardStore(directory.path, { logger: silentLogger, catchUpRetryMs: 20 });
    store.write('notes', 'first', { text: 'first note' });
    const db = store.searchIndex.db;
    // The index may not grow any more: the next group's FTS5 rows do not fit.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let refused: unknown;
    let refusedId = '';
    for (let i = 0; i < 50 && refused === undefined; i++) {
      refusedId = `big-${i}`;
      try {
        store.write('notes', refusedId, { text: `${body} ${i}` });
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(StorageFullError);
    expect((refused as Error).message).toMatch(/durable but not yet searchable/);
    const durable = store.get('notes', refusedId);
    expect(durable?.doc).toMatchObject({ text: expect.stringContaining('meadow') });

    // Space again: no write comes, yet the retry applies the log.
    db.pragma('max_page_count = 1073741823');
    const caughtUp = (): boolean => store!.stats().watermark === store!.stats().lastSequence;
    expect(caughtUp()).toBe(false);
    const deadline = Date.now() + 5_000;
    while (!caughtUp() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(caughtUp()).toBe(true);
    const written = store.stats().indexes.find((index) => index.name === 'notes')?.documents ?? 0;
    const found = store.search('notes', { query: 'meadow', limit: 100, offset: 0 });
    expect(found.totalHits).toBe(written - 1);
    expect(found.hits.map((hit) => hit.id)).toContain(refusedId);
  });
});
