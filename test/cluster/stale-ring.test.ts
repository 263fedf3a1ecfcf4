/**
 * Writes routed with an old ring: a node that has not learnt of a new member yet sends a
 * write to the key's previous owner. That node knows the newcomer owns the key now and
 * forwards the write there, instead of applying it where the newcomer's copy would win
 * over it (the write would be acknowledged and then lost). A router that still is not the
 * owner after the allowed hops refuses with NOT_OWNER (503, retryable).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningNode } from '../../actors/index.js';
import { MAX_ROUTER_HOPS, NotOwnerError } from '../../messages/index.js';
import { LoopbackHub, idOf, ownerBy, ringMembersOf, startStaleRingMesh } from './loopback-mesh.js';

const hub = new LoopbackHub();
const nodes: RunningNode[] = [];
let root: string;

const membersOf = ringMembersOf;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cameodb-stale-ring-'));
  // Node 0 will not learn of the newcomer: its ring stays the old one.
  nodes.push(...(await startStaleRingMesh(hub, root, { name: 'stale' }, 'stale')));
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a write routed with an old ring', () => {
  it('reaches the new owner through the previous owner, and is not lost', async () => {
    const [stale, previous, newcomer] = nodes as [RunningNode, RunningNode, RunningNode];
    expect(await membersOf(stale)).toHaveLength(2);
    // A key node 0 still sends to node 1, which knows it moved to the newcomer.
    let key: string | undefined;
    for (let i = 0; i < 2000 && key === undefined; i++) {
      const candidate = `doc-${i}`;
      if (
        (await ownerBy(stale, candidate)) === idOf(previous) &&
        (await ownerBy(previous, candidate)) === idOf(newcomer)
      )
        key = candidate;
    }
    expect(key).toBeDefined();
    const id = key!;
    // The newcomer has the document first (written through a node that knows it) ...
    await newcomer.router.ask({ type: 'Write', index: 'stale', id, doc: { title: 'first', n: 1 } });
    // ... then a client writes it through the node with the old ring, and is acknowledged.
    const reply = await stale.router.ask({
      type: 'Write',
      index: 'stale',
      id,
      doc: { title: 'second', n: 2 },
    });
    expect(reply).toMatchObject({ result: 'updated', version: 2, nodeId: idOf(newcomer) });
    for (const node of [newcomer, previous]) {
      expect(await node.router.ask({ type: 'Get', index: 'stale', id })).toMatchObject({
        found: true,
        doc: { title: 'second', n: 2 },
      });
    }
    // The previous owner holds no copy a handoff could later offer (and lose to the newcomer's).
    const direct = await previous.orchestrator.ask({ type: 'Get', index: 'stale', id });
    expect(direct).toMatchObject({ found: false });

    // A bulk write and a delete through the stale node take the same path.
    const bulk = await stale.router.ask({
      type: 'BulkWrite',
      index: 'stale',
      items: [
        { id, doc: { title: 'third', n: 3 } },
        { id: 'seed', doc: { title: 'seed again', n: 0 } },
      ],
    });
    expect(bulk).toMatchObject({ itemsWritten: 2, errors: [] });
    expect(await newcomer.orchestrator.ask({ type: 'Get', index: 'stale', id })).toMatchObject({
      found: true,
      doc: { title: 'third', n: 3 },
    });
    const deleted = await stale.router.ask({ type: 'Delete', index: 'stale', id });
    expect(deleted).toMatchObject({ result: 'deleted', nodeId: idOf(newcomer) });
    expect(await newcomer.orchestrator.ask({ type: 'Get', index: 'stale', id })).toMatchObject({
      found: false,
    });
  });

  it('is refused with NOT_OWNER once it has been forwarded as often as allowed', async () => {
    const [stale, previous] = nodes as [RunningNode, RunningNode, RunningNode];
    let key: string | undefined;
    for (let i = 0; i < 2000 && key === undefined; i++) {
      if ((await ownerBy(previous, `other-${i}`)) !== idOf(previous)) key = `other-${i}`;
    }
    const forwarded = previous.router.ask({
      type: 'Write',
      index: 'stale',
      id: key!,
      doc: { title: 'looping', n: 9 },
      routerHops: MAX_ROUTER_HOPS,
    });
    await expect(forwarded).rejects.toBeInstanceOf(NotOwnerError);
    await expect(forwarded).rejects.toThrow(/does not own .* already forwarded 2 time/);
    // The node with the old ring still writes keys it owns by both rings, once.
    expect(await membersOf(stale)).toHaveLength(2);
  });
});
