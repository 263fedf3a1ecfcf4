/**
 * A node stopped mid-run in a 3-node cluster: searches answer 200-style partial results
 * with its shards counted as failed, keyed operations it owns fail with PeerGoneError (503)
 * naming it, a bulk write fails only its items; after it restarts with the same identity
 * its data is served again without restarting the others.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HashRing } from '../../actors/index.js';
import { PeerGoneError } from '../../messages/index.js';
import { TestCluster, allSee, until } from './support.js';

let cluster: TestCluster;
let ring: HashRing;
const ids = Array.from({ length: 60 }, (_, i) => `item-${i}`);

beforeAll(async () => {
  cluster = await TestCluster.start(3);
  ring = new HashRing((await cluster.node(0).cluster!.coordinator.ask({ type: 'GetRing' })).members);
  const reply = await cluster.node(0).router.ask({
    type: 'BulkWrite',
    index: 'things',
    items: ids.map((id, i) => ({ id, doc: { name: `thing ${i}`, rank: i } })),
  });
  expect(reply.errors).toEqual([]);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a node down, then back', () => {
  it('serves partial searches, 503s for its keys, and recovers when it returns', async () => {
    const downId = cluster.node(2).identity.nodeId;
    const onDown = ids.filter((id) => ring.ownerOf(id).nodeId === downId);
    const onLive = ids.filter((id) => ring.ownerOf(id).nodeId !== downId);
    expect(onDown.length).toBeGreaterThan(0);

    await cluster.stopNode(2);
    const entry = cluster.node(0);
    await until(
      async () => (await entry.cluster!.coordinator.ask({ type: 'GetStatus' })).state === 'Degraded',
    );

    const partial = await entry.router.ask({
      type: 'Search',
      index: 'things',
      search: { query: 'thing', limit: 100, offset: 0, sort: { field: 'rank', order: 'asc' } },
    });
    expect(partial).toMatchObject({ totalShards: 6, failedShards: 2, nodesContacted: 2 });
    expect(partial.totalHits).toBe(onLive.length);
    expect(partial.hits.map((hit) => hit.id).sort()).toEqual([...onLive].sort());

    const error = await cluster
      .node(1)
      .router.ask({ type: 'Get', index: 'things', id: onDown[0]! })
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(PeerGoneError);
    expect((error as PeerGoneError).message).toContain(downId);
    await expect(
      entry.router.ask({ type: 'Write', index: 'things', id: onDown[0]!, doc: { name: 'lost?' } }),
    ).rejects.toBeInstanceOf(PeerGoneError);
    // Live owners keep working.
    expect((await entry.router.ask({ type: 'Get', index: 'things', id: onLive[0]! })).found).toBe(true);

    const bulk = await cluster.node(1).router.ask({
      type: 'BulkWrite',
      index: 'things',
      items: [onLive[0]!, onDown[0]!, onLive[1]!].map((id) => ({ id, doc: { name: `thing again ${id}` } })),
    });
    expect(bulk.itemsWritten).toBe(2);
    expect(bulk.errors).toHaveLength(1);
    expect(bulk.errors[0]).toMatchObject({ position: 1, id: onDown[0], error: { code: 'PEER_GONE' } });
    expect(bulk.errors[0]!.error.message).toContain(downId);

    // Restart with the same data directory (same identity), no restart of the others.
    const back = await cluster.restartNode(2);
    expect(back.identity.nodeId).toBe(downId);
    await until(() => allSee(cluster.live(), 3));
    const full = await entry.router.ask({
      type: 'Search',
      index: 'things',
      search: { query: 'thing', limit: 100, offset: 0, sort: { field: 'rank', order: 'asc' } },
    });
    expect(full).toMatchObject({ totalHits: 60, failedShards: 0, nodesContacted: 3 });
    const got = await cluster.node(1).router.ask({ type: 'Get', index: 'things', id: onDown[0]! });
    expect(got).toMatchObject({ found: true, nodeId: downId });
    const written = await entry.router.ask({
      type: 'Write',
      index: 'things',
      id: onDown[0]!,
      doc: { name: 'back' },
    });
    expect(written).toMatchObject({ nodeId: downId, result: 'updated' });
  }, 90_000);
});
