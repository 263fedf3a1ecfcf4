import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../../actors/index.js';

const directories: string[] = [];
const nodes: RunningNode[] = [];

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
  for (const path of directories.splice(0)) rmSync(path, { recursive: true, force: true });
});

/** Reader threads alive, from the node's Prometheus gauge. */
async function readerThreads(node: RunningNode): Promise<number> {
  const text = await node.metricsRegistry.metrics();
  const match = /^cameodb_worker_pool_threads\{pool="readers"\} (\d+)$/m.exec(text);
  if (match === null) throw new Error('no reader thread gauge');
  return Number(match[1]);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reader threads', () => {
  it('start on the first read, stop when idle, and start again for the next read, which sees every write', async () => {
    const path = mkdtempSync(join(tmpdir(), 'cameodb-readers-'));
    directories.push(path);
    const node = await startNode({
      dataPaths: [path],
      shards: 2,
      nodeName: 'readers',
      logger: pino({ level: 'silent' }),
      readerThreads: 2,
      readerIdleTimeoutMs: 300,
    });
    nodes.push(node);
    // Starting (store recovery, schema hydration) and writing use the writer threads only.
    await node.router.ask({ type: 'Write', index: 'books', id: 'dune', doc: { title: 'Dune' } });
    expect(await readerThreads(node)).toBe(0);
    // Health while no reader runs waits for them to start instead of calling shards failed.
    expect(await node.status()).toMatchObject({ status: 'green' });
    expect((await node.status()).shards.reduce((sum, shard) => sum + shard.documents, 0)).toBe(1);
    await waitFor(async () => (await readerThreads(node)) === 0, 10_000);

    const first = await node.router.ask({
      type: 'Search',
      index: 'books',
      search: { query: 'dune', limit: 10, offset: 0 },
    });
    expect(first.hits.map((hit) => hit.id)).toEqual(['dune']);
    expect(await readerThreads(node)).toBeGreaterThanOrEqual(1);

    await waitFor(async () => (await readerThreads(node)) === 0, 10_000);
    // A write while no reader runs, then a read on freshly started reader threads.
    await node.router.ask({ type: 'Write', index: 'books', id: 'emma', doc: { title: 'Emma and Dune' } });
    const again = await node.router.ask({
      type: 'Search',
      index: 'books',
      search: { query: 'dune', limit: 10, offset: 0 },
    });
    expect(again.hits.map((hit) => hit.id).sort()).toEqual(['dune', 'emma']);
    expect(await node.router.ask({ type: 'Get', index: 'books', id: 'emma' })).toMatchObject({ found: true });
    expect(await readerThreads(node)).toBeGreaterThanOrEqual(1);
  });
});
