/**
 * A full disk, for real: the server's data directory is a small tmpfs that a filler file
 * fills up. While it is full, writes answer 507 STORAGE_FULL (never a crash, and no shard is
 * restarted into a stop), reads and searches go on; once the filler is removed, writes are
 * taken again; every acknowledged write is readable and searchable, also after SIGKILL and a
 * restart. Mounting a tmpfs needs root, which the machines this project runs on have.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const MOUNT_BYTES = 48 * 1024 * 1024;
/** Room left beside the filler: a few bulk requests fit, then the disk is full. */
const ROOM_BYTES = 3 * 1024 * 1024;

interface BulkAnswer {
  items_written: number;
  errors: { position: number; id: string; error: string; message?: string }[];
}

const body = 'filler text for the full disk test, long enough to fill pages quickly. '.repeat(14);

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

function post(server: ServerProcess, path: string, payload: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: path.endsWith('/document') ? 'PUT' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

/** Every id of `ids` is readable by id and found by a search for the common word. */
async function expectAllPresent(server: ServerProcess, ids: ReadonlySet<string>): Promise<void> {
  const missing: string[] = [];
  for (const id of ids) {
    const response = await fetch(`${server.url}/api/notes/document?id=${encodeURIComponent(id)}`);
    if (response.status !== 200) missing.push(id);
    else await response.arrayBuffer();
  }
  expect(missing).toEqual([]);
  const search = await json<{ hits: { _id: string }[] }>(
    await post(server, '/api/notes/search', { query: 'filler', limit: 10_000, fields: [] }),
  );
  const found = new Set(search.hits.map((hit) => hit._id));
  expect([...ids].filter((id) => !found.has(id))).toEqual([]);
}

describe('a full disk', () => {
  let mountPoint: string;

  beforeAll(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'cameodb-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_BYTES}`, 'tmpfs', mountPoint]);
    } catch (error) {
      rmSync(mountPoint, { recursive: true, force: true });
      throw new Error(`this test mounts a tmpfs to fill it and needs root: ${(error as Error).message}`);
    }
  });

  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 while full, keeps serving, writes again once space is freed, and loses no acknowledged write', async () => {
    const dataPath = join(mountPoint, 'data');
    const filler = join(mountPoint, 'filler');
    const acknowledged = new Set<string>();
    let server = await startServerProcess({ dataPath, args: ['--shards', '2'], readyTimeoutMs: 90_000 });
    try {
      expect((await post(server, '/api/notes/document', { id: 'first', doc: { body } })).status).toBe(200);
      acknowledged.add('first');
      const free = statfsSync(mountPoint);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - ROOM_BYTES)));

      // Bulk writes until the disk refuses; every item written is acknowledged.
      const fullErrors: string[] = [];
      for (let batch = 0; batch < 200 && fullErrors.length < 8; batch++) {
        const items = Array.from({ length: 100 }, (_, i) => ({
          id: `b${batch}-${i}`,
          doc: { body, n: batch * 100 + i },
        }));
        const response = await post(server, '/api/notes/_bulk', items);
        expect(response.status).toBe(200);
        const answer = await json<BulkAnswer>(response);
        const failed = new Set(answer.errors.map((error) => error.id));
        for (const item of items) if (!failed.has(item.id)) acknowledged.add(item.id);
        for (const error of answer.errors) fullErrors.push(error.error);
      }
      expect(fullErrors.length).toBeGreaterThan(0);
      expect(new Set(fullErrors)).toEqual(new Set(['STORAGE_FULL']));

      // A single write: 507 with a body naming the problem, again and again, no shard lost.
      for (let attempt = 0; attempt < 8; attempt++) {
        const refused = await post(server, '/api/notes/document', { id: `single-${attempt}`, doc: { body } });
        // Status and body together, so a failure shows what the server said instead.
        expect({ status: refused.status, body: await json<{ error: string }>(refused) }).toMatchObject({
          status: 507,
          body: { error: 'STORAGE_FULL' },
        });
      }
      const health = await json<{ status: string; shards: { state: string }[] }>(
        await fetch(`${server.url}/_cluster/health`),
      );
      expect(health.shards.map((shard) => shard.state)).toEqual(['running', 'running']);
      expect(health.status).toBe('green');
      await expectAllPresent(server, acknowledged);

      // Space freed: writes are taken again, and the search index catches up.
      rmSync(filler);
      for (let i = 0; i < 4; i++) {
        const id = `after-${i}`;
        expect((await post(server, '/api/notes/document', { id, doc: { body } })).status).toBe(200);
        acknowledged.add(id);
      }
      await expectAllPresent(server, acknowledged);

      expect(await server.stop('SIGKILL')).toBe('SIGKILL');
      server = await startServerProcess({ dataPath, args: ['--shards', '2'], readyTimeoutMs: 90_000 });
      await expectAllPresent(server, acknowledged);
    } finally {
      await server.cleanup();
      rmSync(dataPath, { recursive: true, force: true });
      rmSync(filler, { force: true });
    }
  }, 180_000);
});
