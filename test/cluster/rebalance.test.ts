/**
 * Rebalancing: when a node joins a cluster that holds documents, the nodes hand the
 * documents the newcomer now owns over to it. After the handoff every document is readable
 * by id from every node, lives exactly once on its ring owner, and searches equal one node
 * holding everything. During the handoff a not-yet-moved document is still found by id, a
 * newer write or a delete through the new owner wins over the copy being handed off, and a
 * receiver stopped mid-handoff loses nothing; a sender restarted mid-handoff resumes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HandoffSettings,
  type RunningNode,
  type OrchestratorReplies,
  type OrchestratorRequest,
} from '../../actors/index.js';
import type { BulkWrite, IndexSchema, SearchSpec } from '../../messages/index.js';
import { TestCluster, allSee, startReferenceNode, until } from './support.js';

const INDEX = 'docs';
const schema: IndexSchema = {
  name: INDEX,
  fields: [
    { name: 'text', type: 'text', indexed: true, stored: true, fast: false },
    { name: 'n', type: 'i64', indexed: true, stored: true, fast: true },
  ],
  defaultSearchFields: ['text'],
  dynamic: true,
  version: 0,
};

type Item = BulkWrite['items'][number];

/** `count` documents; every 10th is written with an explicit routing key (stored with it). */
function documents(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `doc-${i}`,
    ...(i % 10 === 3 ? { routingKey: `tenant-${i % 7}` } : {}),
    doc: {
      text: `${i % 2 ? 'cats' : 'dogs'} ${'and more '.repeat(i % 4)}${i % 3 === 0 ? 'birds' : 'fish'} number${i}`,
      n: i,
    },
  }));
}

const routingKeyOf = (item: Item) => item.routingKey ?? item.id;
const withRouting = (item: Item) => (item.routingKey === undefined ? {} : { routingKey: item.routingKey });

async function load(cluster: TestCluster, items: Item[]): Promise<void> {
  await cluster.node(0).router.ask({ type: 'CreateConfig', schema });
  for (let start = 0; start < items.length; start += 100) {
    const reply = await cluster
      .node(0)
      .router.ask({ type: 'BulkWrite', index: INDEX, items: items.slice(start, start + 100) });
    expect(reply.errors).toEqual([]);
  }
}

/** No node is handing off, and every node knows of none. */
async function quiet(nodes: readonly RunningNode[]): Promise<boolean> {
  for (const node of nodes) {
    const status = await node.cluster!.coordinator.ask({ type: 'GetStatus' });
    if (status.rebalancing?.active !== false || status.rebalancing.nodes.length > 0) return false;
  }
  return true;
}

/** For each item, the nodes that hold it locally (asked of each node's own orchestrator). */
async function placement(
  nodes: readonly RunningNode[],
  items: readonly Item[],
): Promise<Map<string, string[]>> {
  const holders = new Map<string, string[]>(items.map((item) => [item.id, []]));
  for (const node of nodes) {
    await Promise.all(
      items.map(async (item) => {
        const got = await node.orchestrator.ask({
          type: 'Get',
          index: INDEX,
          id: item.id,
          ...withRouting(item),
        });
        if (got.found) holders.get(item.id)!.push(node.identity.nodeId);
      }),
    );
  }
  return holders;
}

/** The ring owner of each item, as `node` sees the ring. */
async function owners(node: RunningNode, items: readonly Item[]): Promise<string[]> {
  const routes = await node.cluster!.coordinator.ask({
    type: 'RouteKeys',
    routingKeys: items.map(routingKeyOf),
  });
  return routes.owners.map((owner) => owner.nodeId);
}

/** Every item lives exactly once, on its ring owner. */
async function placedOnOwners(nodes: readonly RunningNode[], items: readonly Item[]): Promise<boolean> {
  const held = await placement(nodes, items);
  const expected = await owners(nodes[0]!, items);
  return items.every((item, position) => {
    const holders = held.get(item.id)!;
    return holders.length === 1 && holders[0] === expected[position];
  });
}

async function localCount(node: RunningNode): Promise<number> {
  const listed = await node.orchestrator.ask({ type: 'ListIndexes' });
  return listed.indexes.find((entry) => entry.name === INDEX)?.documentCount ?? 0;
}

function settings(handoff: HandoffSettings) {
  return { shards: 2, handoff };
}

describe('rebalancing as a cluster grows from 2 to 5 nodes', () => {
  let cluster: TestCluster;
  let single: RunningNode;
  const singlePath = mkdtempSync(join(tmpdir(), 'cameodb-rebalance-single-'));
  const items = documents(300);
  const options = settings({ batchSize: 40 });

  beforeAll(async () => {
    cluster = await TestCluster.start(2, options);
    await load(cluster, items);
    single = await startReferenceNode(singlePath, 3);
    await single.router.ask({ type: 'BulkWrite', index: INDEX, items });
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    await single?.stop();
    rmSync(singlePath, { recursive: true, force: true });
  });

  it.each([3, 4, 5])(
    'after node %i joins, every document is on its owner once and reads and searches are exact',
    async (size) => {
      await cluster.add(options);
      await until(() => allSee(cluster.live(), size), 30_000);
      await until(async () => (await quiet(cluster.live())) && placedOnOwners(cluster.live(), items), 60_000);
      const nodes = cluster.live();
      // The newcomer took its share.
      expect(await localCount(nodes.at(-1)!)).toBeGreaterThan(0);
      // Local counts sum to the total; the cluster's count too.
      const counts = await Promise.all(nodes.map(localCount));
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(items.length);
      const listed = await nodes[size - 1]!.router.ask({ type: 'ListIndexes' });
      expect(listed.indexes.find((entry) => entry.name === INDEX)?.documentCount).toBe(items.length);
      // Every document by id from every node, with its content.
      for (const node of nodes) {
        const replies = await Promise.all(
          items.map((item) =>
            node.router.ask({ type: 'Get', index: INDEX, id: item.id, ...withRouting(item) }),
          ),
        );
        expect(replies.map((reply) => [reply.found, reply.doc])).toEqual(
          items.map((item) => [true, item.doc]),
        );
      }
      // Searches: no duplicates, the same hits and scores as one node holding everything.
      const searches: SearchSpec[] = [
        { query: 'cats birds', limit: 200, offset: 0 },
        { query: 'birds OR more', limit: 7, offset: 4 },
        { query: 'dogs', limit: 20, offset: 10, sort: { field: 'n', order: 'asc' } },
      ];
      for (const search of searches) {
        const expected = await single.router.ask({ type: 'Search', index: INDEX, search });
        expect(expected.hits.length).toBeGreaterThan(0);
        for (const node of nodes) {
          const result = await node.router.ask({ type: 'Search', index: INDEX, search });
          expect(result.totalHits).toBe(expected.totalHits);
          expect(new Set(result.hits.map((hit) => hit.id)).size).toBe(result.hits.length);
          expect(result.hits.map((hit) => [hit.id, hit.score])).toEqual(
            expected.hits.map((hit) => [hit.id, hit.score]),
          );
        }
      }
      // Progress is visible: some node handed documents off.
      const statuses = await Promise.all(
        nodes.map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
      );
      expect(
        statuses.reduce((sum, status) => sum + (status.rebalancing?.handedOffDocuments ?? 0), 0),
      ).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('requests racing a slow handoff', () => {
  let cluster: TestCluster;
  const items = documents(240);
  // Small pages with pauses keep the handoff running for seconds; no grace window, so reads
  // find not-yet-moved documents through the announced handoff alone.
  const options = settings({ batchSize: 4, pageDelayMs: 300, graceMs: 0 });

  beforeAll(async () => {
    cluster = await TestCluster.start(2, options);
    await load(cluster, items);
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('reads not-yet-moved documents, lets newer writes and deletes win, and loses nothing', async () => {
    const joined = await cluster.add(options);
    await until(() => allSee(cluster.live(), 3), 30_000);
    const newcomer = joined.identity.nodeId;
    const old = [cluster.node(0), cluster.node(1)];
    // Both old nodes hold documents the newcomer owns: every node learns that they hand off.
    const oldIds = old.map((node) => node.identity.nodeId);
    await until(async () => {
      const statuses = await Promise.all(
        cluster.live().map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
      );
      return statuses.every((status) => oldIds.every((id) => status.rebalancing?.nodes.includes(id)));
    });
    // Documents the newcomer owns that are still on an old node.
    const owned = await owners(joined, items);
    const moving = items.filter((_, position) => owned[position] === newcomer);
    const held = await placement(old, moving);
    const notYet = moving.filter((item) => held.get(item.id)!.length === 1);
    expect(notYet.length).toBeGreaterThanOrEqual(14);
    const [readThroughOwner, readThroughOld, ...rest] = notYet;
    const rewritten = rest.slice(0, 4);
    const deletedOneByOne = rest.slice(4, 8);
    const deletedInBulk = rest.slice(8, 12);
    const deleted = [...deletedOneByOne, ...deletedInBulk];

    const viaOwner = await joined.router.ask({
      type: 'Get',
      index: INDEX,
      id: readThroughOwner!.id,
      ...withRouting(readThroughOwner!),
    });
    expect(viaOwner).toMatchObject({ found: true, doc: readThroughOwner!.doc });
    const viaOld = await cluster
      .node(0)
      .router.ask({ type: 'Get', index: INDEX, id: readThroughOld!.id, ...withRouting(readThroughOld!) });
    expect(viaOld).toMatchObject({ found: true, doc: readThroughOld!.doc });

    for (const item of rewritten) {
      const reply = await joined.router.ask({
        type: 'Write',
        index: INDEX,
        id: item.id,
        ...withRouting(item),
        doc: { text: 'rewritten during the handoff', n: -1 },
      });
      expect(reply.nodeId).toBe(newcomer);
    }
    for (const [position, item] of deletedOneByOne.entries()) {
      const through = position % 2 === 0 ? joined : cluster.node(1);
      const reply = await through.router.ask({
        type: 'Delete',
        index: INDEX,
        id: item.id,
        ...withRouting(item),
      });
      expect(reply.result).toBe('deleted');
    }
    const bulk = await cluster.node(0).router.ask({
      type: 'BulkDelete',
      index: INDEX,
      items: deletedInBulk.map((item) => ({ id: item.id, ...withRouting(item) })),
    });
    expect(bulk.errors).toEqual([]);
    expect(bulk.itemsDeleted).toBeGreaterThanOrEqual(deletedInBulk.length);
    expect((await placement(cluster.live(), deletedInBulk)).get(deletedInBulk[0]!.id)).toEqual([]);
    // A copy that arrives late (a batch read before the write or delete) is skipped.
    const late = await cluster
      .node(0)
      .cluster!.mesh.remoteRef<OrchestratorRequest, OrchestratorReplies>(newcomer, `orchestrator-${newcomer}`)
      .ask({
        type: 'AcceptHandoff',
        index: INDEX,
        items: [...rewritten, ...deleted].map((item) => ({
          id: item.id,
          doc: item.doc,
          version: 1,
          ...withRouting(item),
        })),
      });
    expect(late).toMatchObject({ adopted: 0, skipped: 12, failed: [] });

    const remaining = items.filter((item) => !deleted.includes(item));
    await until(
      async () => (await quiet(cluster.live())) && placedOnOwners(cluster.live(), remaining),
      90_000,
    );
    for (const node of cluster.live()) {
      for (const item of rewritten) {
        const got = await node.router.ask({ type: 'Get', index: INDEX, id: item.id, ...withRouting(item) });
        expect(got).toMatchObject({ found: true, doc: { text: 'rewritten during the handoff', n: -1 } });
      }
      for (const item of deleted) {
        const got = await node.router.ask({ type: 'Get', index: INDEX, id: item.id, ...withRouting(item) });
        expect(got.found).toBe(false);
      }
      const search = await node.router.ask({
        type: 'Search',
        index: INDEX,
        search: { query: 'rewritten', limit: 50, offset: 0 },
      });
      expect(search.hits.map((hit) => hit.id).sort()).toEqual(rewritten.map((item) => item.id).sort());
    }
    expect((await placement(cluster.live(), deleted)).get(deleted[0]!.id)).toEqual([]);
    const counts = await Promise.all(cluster.live().map(localCount));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(items.length - deleted.length);
  }, 150_000);
});

describe('faults during a handoff', () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  const items = documents(240);
  const options = settings({ batchSize: 4, pageDelayMs: 100, retryDelayMs: 100 });

  async function handedOff(nodes: readonly RunningNode[]): Promise<number> {
    const statuses = await Promise.all(
      nodes.map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
    );
    return statuses.reduce((sum, status) => sum + (status.rebalancing?.handedOffDocuments ?? 0), 0);
  }

  it('a receiver stopped mid-handoff loses nothing, and the handoff completes when it is back', async () => {
    cluster = await TestCluster.start(2, options);
    await load(cluster, items);
    await cluster.add(options);
    await until(() => allSee(cluster!.live(), 3), 30_000);
    const old = [cluster.node(0), cluster.node(1)];
    await until(async () => (await handedOff(old)) >= 8);
    await cluster.stopNode(2);
    // Batches to the stopped node fail; nothing more is deleted on the senders.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const movedBefore = await handedOff(old);
    const left = (await Promise.all(old.map(localCount))).reduce((sum, count) => sum + count, 0);
    expect(left + movedBefore).toBe(items.length);
    expect(left).toBeLessThan(items.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await handedOff(old)).toBe(movedBefore);
    // The documents waiting for the stopped node show as pending.
    const waiting = await Promise.all(
      old.map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
    );
    expect(
      waiting.reduce((sum, status) => sum + (status.rebalancing?.pendingDocuments ?? 0), 0),
    ).toBeGreaterThan(0);
    // Its documents answer 503 meanwhile; the others are served.
    const owned = await owners(cluster.node(0), items);
    const elsewhere = items.find((_, position) => owned[position] === cluster!.node(1).identity.nodeId)!;
    await expect(
      cluster.node(0).router.ask({ type: 'Get', index: INDEX, id: elsewhere.id, ...withRouting(elsewhere) }),
    ).resolves.toMatchObject({ found: true });
    const oldIds = old.map((node) => node.identity.nodeId);
    const ofStopped = items[owned.findIndex((owner) => !oldIds.includes(owner))]!;
    await expect(
      cluster.node(0).router.ask({ type: 'Get', index: INDEX, id: ofStopped.id, ...withRouting(ofStopped) }),
    ).rejects.toMatchObject({ code: 'PEER_GONE' });

    await cluster.restartNode(2, options);
    await until(() => allSee(cluster!.live(), 3), 30_000);
    await until(async () => (await quiet(cluster!.live())) && placedOnOwners(cluster!.live(), items), 90_000);
    for (const node of cluster.live()) {
      const replies = await Promise.all(
        items.map((item) =>
          node.router.ask({ type: 'Get', index: INDEX, id: item.id, ...withRouting(item) }),
        ),
      );
      expect(replies.filter((reply) => reply.found).length).toBe(items.length);
    }
  }, 180_000);

  it('a sender restarted mid-handoff resumes it on start', async () => {
    cluster = await TestCluster.start(2, options);
    await load(cluster, items);
    await cluster.add(options);
    await until(() => allSee(cluster!.live(), 3), 30_000);
    await until(async () => (await handedOff([cluster!.node(0)])) >= 4);
    await cluster.stopNode(0);
    const restarted = await cluster.restartNode(0, options);
    await until(() => allSee(cluster!.live(), 3), 30_000);
    await until(async () => (await quiet(cluster!.live())) && placedOnOwners(cluster!.live(), items), 90_000);
    // The restarted sender moved the rest itself (its counter starts again at its restart).
    expect(await handedOff([restarted])).toBeGreaterThan(0);
    const counts = await Promise.all(cluster.live().map(localCount));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(items.length);
  }, 180_000);

  it('a write that a router with an older ring sent to the previous owner is moved by the sweep pass', async () => {
    const sweeping = settings({ batchSize: 50, graceMs: 3_000 });
    cluster = await TestCluster.start(2, sweeping);
    await load(cluster, items.slice(0, 60));
    const joined = await cluster.add(sweeping);
    await until(() => allSee(cluster!.live(), 3), 30_000);
    await until(
      async () => (await quiet(cluster!.live())) && placedOnOwners(cluster!.live(), items.slice(0, 60)),
    );
    // As if a router that had not learnt the newcomer yet wrote a key it now owns to node 0.
    const candidates = Array.from({ length: 20 }, (_, i) => ({
      id: `late-${i}`,
      doc: { text: 'late write', n: i },
    }));
    const owned = await owners(joined, candidates);
    const late = candidates.find((_, position) => owned[position] === joined.identity.nodeId)!;
    await cluster.node(0).orchestrator.ask({ type: 'Write', index: INDEX, id: late.id, doc: late.doc });
    expect((await placement(cluster.live(), [late])).get(late.id)).toEqual([cluster.node(0).identity.nodeId]);
    await until(() => placedOnOwners(cluster!.live(), [late]), 30_000);
    const got = await cluster.node(1).router.ask({ type: 'Get', index: INDEX, id: late.id });
    expect(got).toMatchObject({ found: true, doc: late.doc, nodeId: joined.identity.nodeId });
  }, 120_000);
});
