import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NodeIdentityError, startNode, type RunningNode } from '../../../actors/index.js';
import {
  IndexNotFoundError,
  QuerySyntaxError,
  type ShardReplies,
  type ShardRequest,
} from '../../../messages/index.js';
import type { ActorRef } from '../../../actors/index.js';

const logger = pino({ level: 'silent' });
const directories: string[] = [];
const nodes: RunningNode[] = [];

function dataDirectory(): string {
  const path = mkdtempSync(join(tmpdir(), 'cameodb-node-'));
  directories.push(path);
  return path;
}

async function start(dataPath: string, shards = 4): Promise<RunningNode> {
  const node = await startNode({ dataPaths: [dataPath], shards, nodeName: 'test', logger, readerThreads: 1 });
  nodes.push(node);
  return node;
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
  for (const path of directories.splice(0)) rmSync(path, { recursive: true, force: true });
});

describe('a single node', () => {
  it('writes, reads, searches and deletes through the router', async () => {
    const node = await start(dataDirectory());
    const written = await node.router.ask({
      type: 'Write',
      index: 'books',
      id: 'dune',
      doc: { title: 'Dune', author: 'Frank Herbert', year: 1965 },
    });
    expect(written).toMatchObject({ type: 'WriteResult', id: 'dune', result: 'created', version: 1 });
    expect(written.nodeId).toBe(node.identity.nodeId);

    const read = await node.router.ask({ type: 'Get', index: 'books', id: 'dune' });
    expect(read).toMatchObject({ found: true, version: 1, doc: { title: 'Dune', year: 1965 } });

    // Visible to search as soon as the write is acknowledged: no refresh interval.
    const found = await node.router.ask({
      type: 'Search',
      index: 'books',
      search: { query: 'herbert', limit: 10, offset: 0 },
    });
    expect(found.hits.map((hit) => hit.id)).toEqual(['dune']);
    expect(found).toMatchObject({ totalHits: 1, totalShards: 4, failedShards: 0 });

    const updated = await node.router.ask({
      type: 'Write',
      index: 'books',
      id: 'dune',
      doc: { title: 'Dune Messiah' },
    });
    expect(updated).toMatchObject({ result: 'updated', version: 2, shardId: written.shardId });

    const deleted = await node.router.ask({ type: 'Delete', index: 'books', id: 'dune' });
    expect(deleted).toMatchObject({ result: 'deleted' });
    expect(await node.router.ask({ type: 'Get', index: 'books', id: 'dune' })).toMatchObject({
      found: false,
    });
    const gone = await node.router.ask({
      type: 'Search',
      index: 'books',
      search: { query: 'messiah', limit: 10, offset: 0 },
    });
    expect(gone.totalHits).toBe(0);
  });

  it('spreads a bulk write over the shards and keeps the caller positions of errors', async () => {
    const node = await start(dataDirectory());
    const items = Array.from({ length: 200 }, (_, i) => ({
      id: `doc-${i}`,
      doc: { title: `book number ${i}`, n: i },
    }));
    items[17] = { id: 'doc-17', doc: { title: 'bad', n: 'not a number' as unknown as number } };
    items[150] = { id: 'doc-150', doc: { title: 'also bad', n: ['x'] as unknown as number } };
    const result = await node.router.ask({ type: 'BulkWrite', index: 'library', items });
    expect(result.itemsReceived).toBe(200);
    expect(result.itemsWritten).toBe(198);
    expect(result.errors.map((error) => [error.position, error.id, error.error.code])).toEqual([
      [17, 'doc-17', 'FIELD_TYPE_ERROR'],
      [150, 'doc-150', 'FIELD_TYPE_ERROR'],
    ]);
    const listed = await node.router.ask({ type: 'ListIndexes' });
    expect(listed.indexes).toEqual([
      expect.objectContaining({ name: 'library', documentCount: 198, shardCount: 4, fields: ['title', 'n'] }),
    ]);
    const status = await node.status();
    expect(status.status).toBe('green');
    // Every shard got part of the data.
    for (const shard of status.shards) expect(shard.documents).toBeGreaterThan(20);

    const deleted = await node.router.ask({
      type: 'BulkDelete',
      index: 'library',
      items: [{ id: 'doc-1' }, { id: 'doc-2' }, { id: 'never-written' }],
    });
    expect(deleted).toMatchObject({ itemsReceived: 3, itemsDeleted: 2, errors: [] });
  });

  it('teaches every shard a new field with one type, whichever shard sees it first', async () => {
    const node = await start(dataDirectory());
    await node.router.ask({ type: 'Write', index: 'events', id: 'e0', doc: { name: 'start' } });
    const writes = Array.from({ length: 40 }, (_, i) =>
      node.router.ask({ type: 'Write', index: 'events', id: `e${i + 1}`, doc: { name: 'tick', at: i } }),
    );
    await Promise.all(writes);
    const config = await node.router.ask({ type: 'GetConfig', index: 'events' });
    expect(config.schema?.fields.map((field) => [field.name, field.type])).toEqual([
      ['name', 'text'],
      ['at', 'i64'],
    ]);
    for (let shardId = 0; shardId < 4; shardId++) {
      const shard = node.system.registry.require<ShardRequest, ShardReplies>(
        `microshard-${node.identity.nodeId}-${shardId}`,
      );
      const reply = await shard.ask({ type: 'GetSchemaRequest', index: 'events' });
      expect(reply.schema?.fields.map((field) => [field.name, field.type])).toEqual([
        ['name', 'text'],
        ['at', 'i64'],
      ]);
    }
    const sorted = await node.router.ask({
      type: 'Search',
      index: 'events',
      search: { query: 'tick', limit: 3, offset: 2, sort: { field: 'at', order: 'desc' } },
    });
    expect(sorted.hits.map((hit) => hit.id)).toEqual(['e38', 'e37', 'e36']);
  });

  it('widens an integer field to f64 on every shard when a fractional number arrives', async () => {
    const node = await start(dataDirectory());
    const first = Array.from({ length: 12 }, (_, i) => ({
      id: `p${i}`,
      doc: { name: `item ${i}`, price: i },
    }));
    expect((await node.router.ask({ type: 'BulkWrite', index: 'shop', items: first })).errors).toEqual([]);
    const later = await node.router.ask({
      type: 'Write',
      index: 'shop',
      id: 'cheap',
      doc: { name: 'cheap item', price: 0.5 },
    });
    expect(later.result).toBe('created');
    const config = await node.router.ask({ type: 'GetConfig', index: 'shop' });
    expect(config.schema?.fields.find((field) => field.name === 'price')?.type).toBe('f64');
    const found = await node.router.ask({
      type: 'Search',
      index: 'shop',
      search: { query: 'price:<1.5', limit: 10, offset: 0, sort: { field: 'price', order: 'asc' } },
    });
    expect(found.hits.map((hit) => hit.id)).toEqual(['p0', 'cheap', 'p1']);
  });

  it('commits concurrent single writes in groups', async () => {
    const node = await start(dataDirectory(), 1);
    await node.router.ask({ type: 'Write', index: 'load', id: 'warm', doc: { text: 'warm up' } });
    const writes = Array.from({ length: 300 }, (_, i) =>
      node.router.ask({ type: 'Write', index: 'load', id: `w${i}`, doc: { text: `write ${i}` } }),
    );
    await Promise.all(writes);
    const shard = node.system.registry.require<ShardRequest, ShardReplies>(
      `microshard-${node.identity.nodeId}-0`,
    );
    const stats = await shard.ask({ type: 'StatsRequest' });
    expect(stats.indexes[0]?.documents).toBe(301);
    // The health check's cheap counts agree with the full stats, per index and per node.
    const counts = await shard.ask({ type: 'DocumentCountsRequest' });
    expect(counts.indexes).toEqual([{ name: 'load', documents: 301 }]);
    expect((await node.status()).shards.map((entry) => entry.documents)).toEqual([301]);
    // One LMDB transaction (and fsync) per group, not per write: the write-ahead log
    // sequence advanced by far fewer than 301 groups.
    expect(stats.watermark).toBeLessThan(100);
  });

  it('answers request errors as typed errors without restarting anything', async () => {
    const node = await start(dataDirectory());
    await node.router.ask({ type: 'Write', index: 'books', id: 'a', doc: { title: 'x' } });
    await expect(
      node.router.ask({
        type: 'Search',
        index: 'books',
        search: { query: 'title:(unclosed', limit: 5, offset: 0 },
      }),
    ).rejects.toBeInstanceOf(QuerySyntaxError);
    await expect(node.router.ask({ type: 'Get', index: 'nope', id: 'a' })).rejects.toBeInstanceOf(
      IndexNotFoundError,
    );
    const restarts = node.system.snapshot().actors.reduce((sum, actor) => sum + actor.restarts, 0);
    expect(restarts).toBe(0);
  });

  it('restarts a crashed shard, which recovers its data, while the node keeps serving', async () => {
    const node = await start(dataDirectory(), 2);
    for (let i = 0; i < 20; i++) {
      await node.router.ask({ type: 'Write', index: 'books', id: `b${i}`, doc: { title: `volume ${i}` } });
    }
    const shard: ActorRef<ShardRequest, ShardReplies> = node.system.registry.require(
      `microshard-${node.identity.nodeId}-0`,
    );
    // A document that cannot cross to the writer thread is a bug-shaped failure (DataCloneError): a crash.
    const poisoned = { title: 'x', callback: () => 1 } as unknown as Record<string, string>;
    await expect(
      shard.ask({ type: 'WriteRequest', index: 'books', id: 'poison', doc: poisoned }),
    ).rejects.toThrow();
    const snapshotOf = () =>
      node.system.snapshot().actors.find((actor) => actor.actor.endsWith('microshard-0'));
    for (let i = 0; i < 100 && snapshotOf()?.restarts !== 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(snapshotOf()?.restarts).toBe(1);
    const everything = await node.router.ask({
      type: 'Search',
      index: 'books',
      search: { query: 'volume', limit: 50, offset: 0 },
    });
    expect(everything.totalHits).toBe(20);
    expect(everything.failedShards).toBe(0);
  });

  it('keeps its identity and data across a restart and refuses another shard count', async () => {
    const path = dataDirectory();
    const first = await start(path);
    await first.router.ask({ type: 'Write', index: 'books', id: 'kept', doc: { title: 'persisted' } });
    const nodeId = first.identity.nodeId;
    await first.stop();
    nodes.splice(nodes.indexOf(first), 1);

    const second = await start(path);
    expect(second.identity.nodeId).toBe(nodeId);
    expect(await second.router.ask({ type: 'Get', index: 'books', id: 'kept' })).toMatchObject({
      found: true,
    });
    expect((await second.router.ask({ type: 'GetConfig', index: 'books' })).schema?.name).toBe('books');
    await second.stop();
    nodes.splice(nodes.indexOf(second), 1);

    await expect(start(path, 8)).rejects.toBeInstanceOf(NodeIdentityError);
  });
});
