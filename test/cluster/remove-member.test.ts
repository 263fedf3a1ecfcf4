/**
 * Removing a member that is down for good: every live member takes it off its ring, its
 * keys go to the others (writes that answered 503 work again), a member that was down
 * during the removal learns it from a peer, and the removed node, back with the same
 * identity, is not taken back onto the ring.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningNode } from '../../actors/index.js';
import { MemberUpError, PeerGoneError, ValidationError } from '../../messages/index.js';
import { LoopbackHub, idOf, ringMembersOf, startLoopbackNode } from './loopback-mesh.js';
import { until } from './support.js';

const hub = new LoopbackHub();
let root: string;
const nodes: (RunningNode | undefined)[] = [];

function start(index: number): Promise<RunningNode> {
  return startLoopbackNode(hub, root, index, { name: 'remove', maxAttempts: 1 });
}

const live = (index: number): RunningNode => nodes[index]!;

const membersOf = ringMembersOf;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cameodb-remove-member-'));
  for (let index = 0; index < 4; index++) nodes.push(await start(index));
  await until(async () => (await membersOf(live(0))).length === 4);
  await live(0).router.ask({ type: 'Write', index: 'things', id: 'seed', doc: { title: 'seed', n: 0 } });
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('removing a member that is down for good', () => {
  let lostId: string;
  let lostKeys: string[];

  it('refuses a member that is up, the asking node itself, and a stranger', async () => {
    const coordinator = live(0).cluster!.coordinator;
    const ask = (nodeId: string) => coordinator.ask({ type: 'RemoveMember', nodeId, propagate: true });
    await expect(ask(idOf(live(3)))).rejects.toBeInstanceOf(MemberUpError);
    await expect(ask(idOf(live(0)))).rejects.toBeInstanceOf(ValidationError);
    await expect(ask('no-such-node')).rejects.toThrow(/not a member/);
    expect(await membersOf(live(0))).toHaveLength(4);
  });

  it('moves the lost node’s keys to the others on every live member', async () => {
    lostId = idOf(live(3));
    const ring = await live(0).cluster!.coordinator.ask({
      type: 'RouteKeys',
      routingKeys: Array.from({ length: 300 }, (_, i) => `key-${i}`),
    });
    lostKeys = ring.owners.flatMap((owner, i) => (owner.nodeId === lostId ? [`key-${i}`] : []));
    expect(lostKeys.length).toBeGreaterThan(10);
    // Node 2 goes down too for a while: it must learn of the removal when it is back.
    await live(2).stop();
    await live(3).stop();
    nodes[2] = undefined;
    nodes[3] = undefined;
    await expect(
      live(0).router.ask({ type: 'Write', index: 'things', id: lostKeys[0]!, doc: { title: 'x', n: 1 } }),
    ).rejects.toBeInstanceOf(PeerGoneError);

    const result = await live(0).cluster!.coordinator.ask({
      type: 'RemoveMember',
      nodeId: lostId,
      propagate: true,
    });
    expect(result).toMatchObject({ nodeId: lostId, removed: true, notified: [idOf(live(1))] });
    expect(result.failed.map((item) => item.nodeId)).toHaveLength(1);
    for (const node of [live(0), live(1)]) expect(await membersOf(node)).not.toContain(lostId);
    expect(await membersOf(live(0))).toHaveLength(3);

    // Node 2 is back: it learns the removal from the first peer it synchronises with.
    nodes[2] = await start(2);
    await until(async () => !(await membersOf(live(2))).includes(lostId));
    expect(await membersOf(live(2))).toHaveLength(3);
    // And it is kept across a restart.
    const file = JSON.parse(readFileSync(join(root, 'node-2', 'cluster-members.json'), 'utf8')) as {
      removed?: string[];
    };
    expect(file.removed).toEqual([lostId]);

    // Writes of the lost node's keys work again, through any node, and read back everywhere.
    for (const [position, id] of lostKeys.slice(0, 10).entries()) {
      const writer = live(position % 3);
      const reply = await writer.router.ask({
        type: 'Write',
        index: 'things',
        id,
        doc: { title: 'moved', n: position },
      });
      expect(reply.nodeId).not.toBe(lostId);
      for (const index of [0, 1, 2]) {
        expect(await live(index).router.ask({ type: 'Get', index: 'things', id })).toMatchObject({
          found: true,
          doc: { title: 'moved', n: position },
        });
      }
    }
  }, 60_000);

  it('does not take the removed node back when it comes back with the same identity', async () => {
    nodes[3] = await start(3);
    expect(idOf(live(3))).toBe(lostId);
    // Give the others time to see it connect, then check nobody put it back on the ring.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const index of [0, 1, 2]) expect(await membersOf(live(index))).not.toContain(lostId);
    const again = await live(1).cluster!.coordinator.ask({
      type: 'RemoveMember',
      nodeId: lostId,
      propagate: false,
    });
    expect(again).toMatchObject({ removed: false });
  }, 30_000);
});
