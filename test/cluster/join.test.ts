/**
 * Growing a cluster to 5 nodes: nodes that join later learn every schema (pull on join)
 * and every member; every node reads and searches everything; a remembered member that
 * restarted is found again from the membership file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMembers } from '../../actors/index.js';
import { TestCluster, allSee, startReferenceNode, until } from './support.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(2);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('nodes joining later', () => {
  it('learn the schemas created before they joined, and serve all documents', async () => {
    await cluster.node(0).router.ask({
      type: 'CreateConfig',
      schema: {
        name: 'notes',
        fields: [
          { name: 'text', type: 'text', indexed: true, stored: true, fast: false },
          { name: 'n', type: 'i64', indexed: true, stored: true, fast: true },
        ],
        defaultSearchFields: ['text'],
        dynamic: true,
        version: 0,
      },
    });
    for (let extra = 0; extra < 3; extra++) await cluster.add();
    await until(() => allSee(cluster.live(), 5), 30_000);
    for (const node of cluster.live()) {
      const config = await node.router.ask({ type: 'GetConfig', index: 'notes' });
      expect(config.schema?.fields.map((field) => field.name)).toEqual(['text', 'n']);
    }
    // Data written after the cluster formed. (Data written before a join is handed over to
    // the new owners: test/cluster/rebalance.test.ts, docs/CLUSTER.md.)
    const items = Array.from({ length: 100 }, (_, i) => ({
      id: `note-${i}`,
      doc: {
        text: `note about ${i % 2 ? 'cats' : 'dogs'} ${'and more '.repeat(i % 5)}${i % 3 === 0 ? 'birds' : ''}`,
        n: i,
      },
    }));
    const reply = await cluster.node(4).router.ask({ type: 'BulkWrite', index: 'notes', items });
    expect(reply.errors).toEqual([]);
    const owners = new Set<string>();
    for (const [position, node] of cluster.live().entries()) {
      const got = await node.router.ask({ type: 'Get', index: 'notes', id: `note-${position * 7}` });
      expect(got.found).toBe(true);
      owners.add(got.nodeId);
      const cats = await node.router.ask({
        type: 'Search',
        index: 'notes',
        search: { query: 'cats', limit: 10, offset: 20, sort: { field: 'n', order: 'asc' } },
      });
      expect(cats).toMatchObject({ totalHits: 50, totalShards: 10, failedShards: 0, nodesContacted: 5 });
      expect(cats.hits.map((hit) => hit.id)).toEqual(
        Array.from({ length: 10 }, (_, i) => `note-${41 + 2 * i}`),
      );
    }
    // Ranked by score: the hits and scores of one node holding the same documents, exactly.
    const singlePath = mkdtempSync(join(tmpdir(), 'cameodb-single-'));
    const single = await startReferenceNode(singlePath, 3);
    try {
      await single.router.ask({ type: 'BulkWrite', index: 'notes', items });
      for (const search of [
        { query: 'cats birds', limit: 100, offset: 0 },
        { query: 'birds OR more', limit: 7, offset: 4 },
        { query: 'cats^2 OR n:[10 TO 20]', limit: 15, offset: 0 },
      ]) {
        const expected = await single.router.ask({ type: 'Search', index: 'notes', search });
        expect(expected.hits.length).toBeGreaterThan(0);
        for (const node of cluster.live()) {
          const result = await node.router.ask({ type: 'Search', index: 'notes', search });
          expect(result.totalHits).toBe(expected.totalHits);
          expect(result.hits.map((hit) => [hit.id, hit.score])).toEqual(
            expected.hits.map((hit) => [hit.id, hit.score]),
          );
        }
      }
    } finally {
      await single.stop();
      rmSync(singlePath, { recursive: true, force: true });
    }
    const listed = await cluster.node(3).router.ask({ type: 'ListIndexes' });
    expect(listed.indexes.find((entry) => entry.name === 'notes')?.documentCount).toBe(100);
    // Every node keeps every member in its membership file.
    for (const [index] of cluster.live().entries()) {
      expect(
        readMembers(cluster.paths[index]!)
          .map((member) => member.nodeId)
          .sort(),
      ).toEqual(
        cluster
          .live()
          .map((node) => node.identity.nodeId)
          .sort(),
      );
    }
  }, 120_000);

  it('a field added through the newest node reaches the oldest', async () => {
    await cluster
      .node(4)
      .router.ask({ type: 'Write', index: 'notes', id: 'tagged', doc: { text: 'x', tag: 'blue' } });
    const config = await cluster.node(0).router.ask({ type: 'GetConfig', index: 'notes' });
    expect(config.schema?.fields.map((field) => field.name)).toContain('tag');
  });
});
