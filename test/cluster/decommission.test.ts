/**
 * Decommissioning a live member: it leaves every ring (its keys go to the others) but stays a
 * member that is asked and searched while its handoff moves every document it holds; writes,
 * reads and searches through any node see every document all along; once it holds nothing it
 * can be stopped and removed without losing a document.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningNode } from '../../actors/index.js';
import { PeerGoneError, ValidationError } from '../../messages/index.js';
import { LoopbackHub, idOf, ringMembersOf, startLoopbackNode } from './loopback-mesh.js';
import { until } from './support.js';

const hub = new LoopbackHub();
let root: string;
const nodes: (RunningNode | undefined)[] = [];
const INDEX = 'stock';
const DOCUMENTS = 120;

function start(index: number): Promise<RunningNode> {
  // Small, slow pages: the handoff takes a few seconds, so the checks below run during it.
  return startLoopbackNode(hub, root, index, {
    name: 'leave',
    maxAttempts: 1,
    handoff: { batchSize: 4, pageDelayMs: 150 },
  });
}

const live = (index: number): RunningNode => nodes[index]!;

async function localDocuments(node: RunningNode): Promise<number> {
  const listed = await node.orchestrator.ask({ type: 'ListIndexes' });
  return listed.indexes.find((entry) => entry.name === INDEX)?.documentCount ?? 0;
}

async function expectEveryDocument(ids: readonly string[], through: readonly RunningNode[]): Promise<void> {
  for (const node of through) {
    for (const id of ids) {
      const got = await node.router.ask({ type: 'Get', index: INDEX, id });
      expect({ id, found: got.found }).toEqual({ id, found: true });
    }
    const found = await node.router.ask({
      type: 'Search',
      index: INDEX,
      search: { query: 'crate', limit: 1_000, offset: 0 },
    });
    expect(new Set(found.hits.map((hit) => hit.id))).toEqual(new Set(ids));
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cameodb-decommission-'));
  for (let index = 0; index < 3; index++) nodes.push(await start(index));
  await until(async () => (await ringMembersOf(live(0))).length === 3);
  for (let i = 0; i < DOCUMENTS; i++) {
    await live(i % 3).router.ask({
      type: 'Write',
      index: INDEX,
      id: `item-${i}`,
      doc: { title: `crate ${i}`, n: i },
    });
  }
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('decommissioning a live member', () => {
  it('refuses a stranger', async () => {
    const coordinator = live(0).cluster!.coordinator;
    await expect(
      coordinator.ask({ type: 'DecommissionMember', nodeId: 'no-such-node', propagate: true }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await ringMembersOf(live(0))).toHaveLength(3);
  });

  it('moves every document off the leaving node while reads, writes and searches see all of them', async () => {
    const leaving = live(2);
    const leavingId = idOf(leaving);
    expect(await localDocuments(leaving)).toBeGreaterThan(10);
    // Asked through another node: the leaving node itself runs it and tells the others.
    const started = await live(0).cluster!.coordinator.ask({
      type: 'DecommissionMember',
      nodeId: leavingId,
      propagate: true,
    });
    expect(started).toMatchObject({ nodeId: leavingId, ringMembers: [idOf(live(0)), idOf(live(1))].sort() });
    for (const node of [live(0), live(1), leaving])
      expect(await ringMembersOf(node)).not.toContain(leavingId);

    // During the handoff: new writes land on the staying nodes, everything stays readable.
    const ids = Array.from({ length: DOCUMENTS }, (_, i) => `item-${i}`);
    for (let i = 0; i < 20; i++) {
      const id = `late-${i}`;
      const reply = await live(i % 3).router.ask({
        type: 'Write',
        index: INDEX,
        id,
        doc: { title: `crate late ${i}`, n: i },
      });
      expect(reply.nodeId).not.toBe(leavingId);
      ids.push(id);
    }
    // Still handing off: part of its documents are only there, yet every node finds them.
    expect(await localDocuments(leaving)).toBeGreaterThan(0);
    await expectEveryDocument(ids, [live(0), live(1), leaving]);
    expect(await localDocuments(leaving)).toBeGreaterThan(0);

    await until(async () => (await localDocuments(leaving)) === 0, 60_000);
    await until(
      async () => !(await leaving.cluster!.coordinator.ask({ type: 'GetStatus' })).rebalancing?.active,
    );
    await expectEveryDocument(ids, [live(0), live(1), leaving]);
    const file = JSON.parse(readFileSync(join(root, 'node-2', 'cluster-members.json'), 'utf8')) as {
      leaving?: string[];
    };
    expect(file.leaving).toEqual([leavingId]);

    // Then the operator stops it and removes it: nothing is lost.
    await leaving.stop();
    nodes[2] = undefined;
    await until(async () => {
      const status = await live(0).cluster!.coordinator.ask({ type: 'GetStatus' });
      return status.peers.find((peer) => peer.nodeId === leavingId)?.healthy === false;
    });
    // A member that is down cannot hand anything off.
    await expect(
      live(0).cluster!.coordinator.ask({ type: 'DecommissionMember', nodeId: leavingId, propagate: true }),
    ).rejects.toBeInstanceOf(PeerGoneError);
    const removed = await live(0).cluster!.coordinator.ask({
      type: 'RemoveMember',
      nodeId: leavingId,
      propagate: true,
    });
    expect(removed).toMatchObject({ removed: true });
    await expectEveryDocument(ids, [live(0), live(1)]);
  }, 120_000);
});
