/**
 * The server as a real child process (with the FakeNode entry until the node runtime is
 * wired): readiness line, HTTP over a socket, banner, SIGTERM exits 0, and a failing start
 * exits non-zero with a message.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { startServerProcess } from '../../support/server-process.js';

const entry = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'fake-server-main.ts');

describe('server process', () => {
  it('starts on a random port, serves HTTP, and exits 0 on SIGTERM', async () => {
    const server = await startServerProcess({ entry, args: ['--shards', '2'] });
    try {
      const put = await fetch(`${server.url}/api/books/document`, {
        method: 'PUT',
        body: JSON.stringify({ id: '1', doc: { title: 'Dune' } }),
        headers: { 'content-type': 'application/json' },
      });
      expect(put.status).toBe(200);
      const health = (await (await fetch(`${server.url}/_cluster/health`)).json()) as { status: string };
      expect(health.status).toBe('green');
      expect(server.stderr()).toContain(`${server.dataPath} (2 shards)`);
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.stdout()).toContain('"msg":"stopped"');
    } finally {
      await server.cleanup();
    }
  });

  it('rejects with the process output when the server cannot start', async () => {
    await expect(startServerProcess({ entry, args: ['--shards', 'zero'] })).rejects.toThrow(
      /storage\.shards/,
    );
  });
});
