/**
 * A 3-node in-process cluster (real actors, storage and libp2p on 127.0.0.1): keyed
 * operations through any node reach the ring owner; searches from any node equal the
 * search of one node holding every document; bulk writes split by owner keep positions;
 * schema changes through any node reach every node; retried writes apply once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashRing, type RunningNode } from '../../actors/index.js';
import type { JsonObject, SearchSpec } from '../../messages/index.js';
import { TestCluster, startReferenceNode } from './support.js';

const WORDS = ['river', 'stone', 'forest', 'cloud', 'ember', 'harbor', 'meadow', 'signal'];
const DOCS: Array<{ id: string; doc: JsonObject }> = Array.from({ length: 120 }, (_, i) => ({
  id: `doc-${i}`,
  doc: {
    title: `${WORDS[i % 8]} ${WORDS[(i * 3) % 8]} number ${i}`,
    body: `${WORDS[(i * 5) % 8]} and ${WORDS[(i + 1) % 8]}`,
    rank: i,
    group: `g${i % 4}`,
  },
}));

let cluster: TestCluster;
let single: RunningNode;
let singlePath: string;
let ring: HashRing;

beforeAll(async () => {
  cluster = await TestCluster.start(3);
  singlePath = mkdtempSync(join(tmpdir(), 'cameodb-single-'));
  single = await startReferenceNode(singlePath, 2);
  const snapshot = await cluster.node(0).cluster!.coordinator.ask({ type: 'GetRing' });
  ring = new HashRing(snapshot.members);
  // Load: single writes through each node in turn, and the same documents into the single node.
  for (const [i, { id, doc }] of DOCS.entries()) {
    const reply = await cluster.node(i % 3).router.ask({ type: 'Write', index: 'library', id, doc });
    expect(reply.nodeId).toBe(ring.ownerOf(id).nodeId);
  }
  await single.router.ask({ type: 'BulkWrite', index: 'library', items: DOCS });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await single?.stop();
  rmSync(singlePath, { recursive: true, force: true });
});

describe('keyed operations', () => {
  it('spread the documents over every node, each on its ring owner', async () => {
    const owners = new Set(DOCS.map(({ id }) => ring.ownerOf(id).nodeId));
    expect(owners.size).toBe(3);
    for (const node of cluster.live()) {
      const listed = await node.orchestrator.ask({ type: 'ListIndexes' });
      const local = listed.indexes.find((entry) => entry.name === 'library')?.documentCount ?? 0;
      const expected = DOCS.filter(({ id }) => ring.ownerOf(id).nodeId === node.identity.nodeId).length;
      expect(local).toBe(expected);
    }
  });

  it('reads every document by id from every node, from its owner', async () => {
    for (const node of cluster.live()) {
      for (const { id, doc } of DOCS.slice(0, 40)) {
        const got = await node.router.ask({ type: 'Get', index: 'library', id });
        expect(got).toMatchObject({ found: true, doc, nodeId: ring.ownerOf(id).nodeId });
      }
    }
  });

  it('routes by the explicit routing key when one is given', async () => {
    const reply = await cluster.node(1).router.ask({
      type: 'Write',
      index: 'library',
      id: 'routed',
      routingKey: 'tenant-7',
      doc: { title: 'x' },
    });
    expect(reply.nodeId).toBe(ring.ownerOf('tenant-7').nodeId);
    const got = await cluster
      .node(2)
      .router.ask({ type: 'Get', index: 'library', id: 'routed', routingKey: 'tenant-7' });
    expect(got.found).toBe(true);
    await cluster
      .node(0)
      .router.ask({ type: 'Delete', index: 'library', id: 'routed', routingKey: 'tenant-7' });
    const gone = await cluster
      .node(1)
      .router.ask({ type: 'Get', index: 'library', id: 'routed', routingKey: 'tenant-7' });
    expect(gone.found).toBe(false);
  });

  it('applies a retried write (same request id) once, on a remote owner', async () => {
    const entry = cluster.node(0);
    const id = Array.from({ length: 50 }, (_, i) => `retry-${i}`).find(
      (candidate) => ring.ownerOf(candidate).nodeId !== entry.identity.nodeId,
    )!;
    const op = { type: 'Write' as const, index: 'library', id, doc: { title: 'once' }, requestId: 'req-1' };
    const first = await entry.router.ask(op);
    const replay = await entry.router.ask({ ...op, doc: { title: 'twice' } });
    expect(replay).toEqual(first);
    const got = await cluster.node(2).router.ask({ type: 'Get', index: 'library', id });
    expect(got).toMatchObject({ version: 1, doc: { title: 'once' } });
    await entry.router.ask({ type: 'Delete', index: 'library', id });
  });
});

describe('scatter-gather search', () => {
  const specs: SearchSpec[] = [
    { query: 'river', limit: 10, offset: 0, sort: { field: 'rank', order: 'asc' } },
    { query: 'stone OR cloud', limit: 7, offset: 5, sort: { field: 'rank', order: 'desc' } },
    { query: 'group:g2', limit: 50, offset: 3, sort: { field: 'rank', order: 'asc' } },
    { query: 'forest', limit: 200, offset: 0 },
    { query: 'river', limit: 5, offset: 3 },
    { query: 'title:(stone OR cloud) AND NOT harbor', limit: 8, offset: 0 },
    { query: 'meadow^2 signal', limit: 10, offset: 2 },
    { query: 'ember OR group:g1', limit: 12, offset: 0 },
    { query: '"harbor number"', limit: 20, offset: 0 },
  ];

  it('returns from every node the hits of one node holding every document', async () => {
    for (const spec of specs) {
      const expected = await single.router.ask({ type: 'Search', index: 'library', search: spec });
      expect(expected.hits.length).toBeGreaterThan(0);
      for (const node of cluster.live()) {
        const result = await node.router.ask({ type: 'Search', index: 'library', search: spec });
        expect(result.totalHits).toBe(expected.totalHits);
        expect(result).toMatchObject({ totalShards: 6, failedShards: 0, nodesContacted: 3 });
        // BM25 statistics are gathered from every node first, so every hit has the score
        // it has on the single node, exactly, and pages are cut the same way.
        expect(result.hits.map((hit) => [hit.id, hit.score])).toEqual(
          expected.hits.map((hit) => [hit.id, hit.score]),
        );
      }
    }
  });

  it('streams the same merged page', async () => {
    const spec = specs[1]!;
    const searched = await cluster.node(2).router.ask({ type: 'Search', index: 'library', search: spec });
    const streamed = await cluster.node(1).router.ask({ type: 'Stream', index: 'library', search: spec });
    expect(streamed.hits.map((hit) => hit.id)).toEqual(searched.hits.map((hit) => hit.id));
  });

  it('reports a query syntax error as the request error it is', async () => {
    await expect(
      cluster
        .node(0)
        .router.ask({ type: 'Search', index: 'library', search: { query: 'title:(', limit: 5, offset: 0 } }),
    ).rejects.toMatchObject({ code: 'QUERY_SYNTAX_ERROR' });
  });

  it('lists indexes with the document counts of every node', async () => {
    const listed = await cluster.node(1).router.ask({ type: 'ListIndexes' });
    expect(listed.indexes.find((entry) => entry.name === 'library')).toMatchObject({
      documentCount: DOCS.length,
      shardCount: 6,
    });
  });
});

describe('bulk operations across owners', () => {
  it('splits by owner and keeps the caller positions of results and errors', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `bulk-${i}`,
      // rank is i64: a string there is a per-item FIELD_TYPE_ERROR.
      doc: { title: `bulk ${i}`, rank: i % 7 === 3 ? 'not a number' : 1000 + i },
    }));
    const owners = new Set(items.map((item) => ring.ownerOf(item.id).nodeId));
    expect(owners.size).toBe(3);
    const reply = await cluster.node(1).router.ask({ type: 'BulkWrite', index: 'library', items });
    const bad = items.flatMap((item, position) => (typeof item.doc.rank === 'string' ? [position] : []));
    expect(reply.itemsReceived).toBe(30);
    expect(reply.itemsWritten).toBe(30 - bad.length);
    expect(reply.errors.map((error) => error.position)).toEqual(bad);
    expect(reply.errors.map((error) => error.id)).toEqual(bad.map((position) => `bulk-${position}`));
    expect(reply.errors.every((error) => error.error.code === 'FIELD_TYPE_ERROR')).toBe(true);
    for (const [position, item] of items.entries()) {
      const got = await cluster.node(position % 3).router.ask({ type: 'Get', index: 'library', id: item.id });
      expect(got.found).toBe(!bad.includes(position));
      if (got.found) expect(got.nodeId).toBe(ring.ownerOf(item.id).nodeId);
    }
    const deleted = await cluster.node(2).router.ask({
      type: 'BulkDelete',
      index: 'library',
      items: items.map((item) => ({ id: item.id })),
    });
    expect(deleted).toMatchObject({ itemsReceived: 30, itemsDeleted: 30 - bad.length, errors: [] });
  });
});

describe('schemas', () => {
  it('a schema created through one node is known to every node', async () => {
    const schema = {
      name: 'people',
      fields: [
        { name: 'name', type: 'text' as const, indexed: true, stored: true, fast: false },
        { name: 'age', type: 'i64' as const, indexed: true, stored: true, fast: true },
      ],
      defaultSearchFields: ['name'],
      dynamic: true,
      version: 0,
    };
    const created = await cluster.node(2).router.ask({ type: 'CreateConfig', schema });
    expect(created.created).toBe(true);
    for (const node of cluster.live()) {
      const config = await node.router.ask({ type: 'GetConfig', index: 'people' });
      expect(config.schema?.fields.map((field) => field.name)).toEqual(['name', 'age']);
    }
  });

  it('a field added by a write through one node is known to every node, with one type', async () => {
    await cluster
      .node(0)
      .router.ask({ type: 'Write', index: 'people', id: 'ada', doc: { name: 'Ada', city: 'London' } });
    for (const node of cluster.live()) {
      const config = await node.router.ask({ type: 'GetConfig', index: 'people' });
      expect(config.schema?.fields.find((field) => field.name === 'city')?.type).toBeDefined();
    }
    // A search on the new field works from every node.
    for (const node of cluster.live()) {
      const found = await node.router.ask({
        type: 'Search',
        index: 'people',
        search: { query: 'city:london', limit: 5, offset: 0 },
      });
      expect(found.hits.map((hit) => hit.id)).toEqual(['ada']);
    }
  });

  it('a drop through one node removes the index everywhere', async () => {
    const dropped = await cluster.node(1).router.ask({ type: 'DropIndex', index: 'people' });
    expect(dropped.dropped).toBe(true);
    for (const node of cluster.live()) {
      expect((await node.router.ask({ type: 'GetConfig', index: 'people' })).schema).toBeUndefined();
    }
    await expect(
      cluster.node(2).router.ask({ type: 'Get', index: 'people', id: 'ada' }),
    ).rejects.toMatchObject({ code: 'INDEX_NOT_FOUND' });
  });
});

describe('remembered search statistics', () => {
  async function statisticsSources(node: RunningNode): Promise<Record<string, number>> {
    const metric = node.metricsRegistry.getSingleMetric('cameodb_cluster_search_statistics_total');
    const values = metric === undefined ? [] : (await metric.get()).values;
    return Object.fromEntries(values.map((value) => [String(value.labels['source']), value.value]));
  }
  function growth(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return Object.fromEntries(
      [...keys].map((key) => [key, (after[key] ?? 0) - (before[key] ?? 0)]).filter(([, grew]) => grew !== 0),
    );
  }
  const search = {
    type: 'Search',
    index: 'library',
    search: { query: 'meadow signal', limit: 7, offset: 0 },
  } as const;

  it('skips the statistics round for a repeated search, notices when writes change them, and always equals one node', async () => {
    const node = cluster.node(1);
    const scored = (result: { hits: { id: string; score: number }[]; totalHits: number }) => ({
      totalHits: result.totalHits,
      hits: result.hits.map((hit) => [hit.id, hit.score]),
    });
    const before = await statisticsSources(node);
    const first = await node.router.ask(search);
    const second = await node.router.ask(search);
    const expected = scored(await single.router.ask(search));
    expect(expected.hits.length).toBeGreaterThan(0);
    expect(scored(first)).toEqual(expected);
    expect(scored(second)).toEqual(expected);
    expect(growth(before, await statisticsSources(node))).toEqual({ counted: 1, remembered: 1 });

    // A document with both words, written through another node: the remembered statistics
    // no longer add up, and the search is ranked again with the new ones.
    const extra = {
      id: 'extra-meadow',
      doc: { title: 'meadow meadow signal', body: 'signal', rank: 999, group: 'g9' },
    };
    await cluster.node(2).router.ask({ type: 'Write', index: 'library', ...extra });
    await single.router.ask({ type: 'Write', index: 'library', ...extra });
    const middle = await statisticsSources(node);
    const third = await node.router.ask(search);
    const expectedAfter = scored(await single.router.ask(search));
    expect(expectedAfter.hits.map(([id]) => id)).toContain('extra-meadow');
    expect(scored(third)).toEqual(expectedAfter);
    expect(growth(middle, await statisticsSources(node))).toEqual({ changed: 1 });
  });
});
