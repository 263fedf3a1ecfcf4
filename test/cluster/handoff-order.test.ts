/**
 * Issue #6: no acknowledged write lost to a rebalancing handoff. The previous owner of a key
 * that has not learnt of a newcomer yet applies a write of that key itself, after the
 * newcomer already took a write of it through a node that knew it. When the previous owner
 * learns of the newcomer, its handoff offers its copy; the copies' hybrid logical clock
 * stamps decide: the newer write wins on the newcomer (before stamps the newcomer kept its
 * own, older copy, and the previous owner then deleted the newer one). A delete on the
 * newcomer made after the stale write still wins over it. A read repair hands a copy over
 * with its stamp, so the handoff's later copy of it is recognised as the same one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningNode } from '../../actors/index.js';
import { LoopbackHub, idOf, ownerBy, ringMembersOf, startStaleRingMesh } from './loopback-mesh.js';
import { until } from './support.js';

const INDEX = 'order';
/** Reads that miss on the owner look on every node for this long after a ring change. */
const settings = { name: 'order', handoff: { graceMs: 120_000 } };
const hub = new LoopbackHub();
const nodes: RunningNode[] = [];
let root: string;

/** Stamps have a millisecond wall-clock part: writes on two nodes within one ms are concurrent. */
const nextMillisecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cameodb-handoff-order-'));
  // Node 0 (the previous owner) will not learn of the newcomer until revealed.
  nodes.push(...(await startStaleRingMesh(hub, root, settings, INDEX)));
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a handoff of a key written on both its previous and its new owner', () => {
  it('keeps the newer write, and a later delete, on every node', async () => {
    const [previous, informed, newcomer] = nodes as [RunningNode, RunningNode, RunningNode];
    expect(await ringMembersOf(previous)).toHaveLength(2);
    // Keys the previous owner still owns by its ring, and the newcomer by the new one.
    const keys: string[] = [];
    for (let i = 0; i < 3000 && keys.length < 3; i++) {
      const candidate = `key-${i}`;
      if (
        (await ownerBy(previous, candidate)) === idOf(previous) &&
        (await ownerBy(informed, candidate)) === idOf(newcomer)
      )
        keys.push(candidate);
    }
    expect(keys).toHaveLength(3);
    const [kept, deleted, repaired] = keys as [string, string, string];
    const stampOn = async (node: RunningNode, id: string): Promise<number | undefined> =>
      (await node.orchestrator.ask({ type: 'Get', index: INDEX, id })).stamp;

    // The newcomer takes the first writes, through a node that knows it.
    for (const id of [kept, deleted]) {
      const first = await informed.router.ask({
        type: 'Write',
        index: INDEX,
        id,
        doc: { title: 'oldest', n: 1 },
      });
      expect(first).toMatchObject({ nodeId: idOf(newcomer), result: 'created' });
    }
    await nextMillisecond();
    // Then a client writes both keys through the previous owner, which applies them itself
    // (its ring does not have the newcomer) and acknowledges.
    for (const id of [kept, deleted, repaired]) {
      const second = await previous.router.ask({
        type: 'Write',
        index: INDEX,
        id,
        doc: { title: 'newest', n: 2 },
      });
      expect(second).toMatchObject({ nodeId: idOf(previous), result: 'created' });
    }
    await nextMillisecond();
    // One of them is deleted after that, on the newcomer: the delete is the last word.
    const removed = await informed.router.ask({ type: 'Delete', index: INDEX, id: deleted });
    expect(removed).toMatchObject({ nodeId: idOf(newcomer), result: 'deleted' });

    // A read of the key only the previous owner has misses on the newcomer, finds the copy
    // on the previous owner and hands it to the newcomer: with its stamp.
    const stampOfRepaired = await stampOn(previous, repaired);
    expect(stampOfRepaired).toBeGreaterThan(0);
    expect(await informed.router.ask({ type: 'Get', index: INDEX, id: repaired })).toMatchObject({
      found: true,
      doc: { title: 'newest', n: 2 },
      nodeId: idOf(newcomer),
    });
    expect(await stampOn(newcomer, repaired)).toBe(stampOfRepaired);
    const stampOfKept = await stampOn(previous, kept);

    // The previous owner learns of the newcomer and hands its copies off.
    hub.reveal(idOf(previous), idOf(newcomer));
    await until(async () => (await ringMembersOf(previous)).length === 3);
    await until(async () => {
      const here = await Promise.all(
        keys.map((id) => previous.orchestrator.ask({ type: 'Get', index: INDEX, id })),
      );
      return here.every((reply) => !reply.found);
    }, 30_000);

    for (const node of nodes) {
      for (const id of [kept, repaired]) {
        const got = await node.router.ask({ type: 'Get', index: INDEX, id });
        expect(got).toMatchObject({ found: true, doc: { title: 'newest', n: 2 }, nodeId: idOf(newcomer) });
      }
      expect(await node.router.ask({ type: 'Get', index: INDEX, id: deleted })).toMatchObject({
        found: false,
      });
      // One copy in searches: the newest, on its owner.
      const newest = await node.router.ask({
        type: 'Search',
        index: INDEX,
        search: { query: 'newest', limit: 10, offset: 0 },
      });
      expect(newest).toMatchObject({ totalHits: 2, failedShards: 0 });
      expect(newest.hits.map((hit) => hit.id).sort()).toEqual([kept, repaired].sort());
      const oldest = await node.router.ask({
        type: 'Search',
        index: INDEX,
        search: { query: 'oldest', limit: 10, offset: 0 },
      });
      expect(oldest.totalHits).toBe(0);
    }
    // The copy that replaced the newcomer's keeps the stamp of the write on the previous owner.
    expect(await stampOn(newcomer, kept)).toBe(stampOfKept);
    // The sender counts the copy that replaced an older one; the deleted key's copy and the
    // read-repaired one (the same stamp again) were skipped.
    const replaced = await previous.metricsRegistry.getSingleMetricAsString(
      'cameodb_rebalance_documents_replaced_total',
    );
    expect(replaced).toContain(`cameodb_rebalance_documents_replaced_total{peer="${idOf(newcomer)}"} 1`);
    expect(await newcomer.orchestrator.ask({ type: 'Get', index: INDEX, id: kept })).toMatchObject({
      found: true,
      doc: { title: 'newest', n: 2 },
    });
  }, 90_000);
});
