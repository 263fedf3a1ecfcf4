/**
 * Discovery: five nodes that only know one seed find each other (hello gossip + Kad-DHT),
 * node records resolve through the DHT, and peer events report joins and losses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PeerGoneError } from '../../messages/index.js';
import { createTestMesh, type PeerEvent, type TestMesh } from '../../transport/index.js';
import { createEchoActor, type Echo, type EchoReplies } from './support/echo-actor.js';

describe('a five-node mesh seeded by one node', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await createTestMesh(5, {
      resolveActor: (index) => {
        const echo = createEchoActor(`echo-node-${index}`, `node-${index}`);
        return (name) => (name === echo.name ? echo : undefined);
      },
    });
  });
  afterAll(async () => {
    await mesh.stop();
  });

  it('has every node connected to every other, though only node 0 was a seed', () => {
    for (const node of mesh.nodes) {
      const others = mesh.nodes.filter((other) => other !== node);
      expect(
        node
          .peers()
          .map((peer) => peer.nodeId)
          .sort(),
      ).toEqual(others.map((other) => other.nodeId).sort());
      for (const other of others) {
        expect(node.libp2p.getConnections(other.libp2p.peerId).length).toBeGreaterThan(0);
      }
    }
  });

  it('lets any node ask a named actor on any other by node id', async () => {
    const asks = mesh.nodes.flatMap((node) =>
      mesh.nodes
        .filter((other) => other !== node)
        .map(async (other) => {
          const ref = node.remoteRef<Echo, EchoReplies>({ nodeId: other.nodeId }, `echo-${other.nodeId}`);
          const reply = await ref.ask({ type: 'TransportTestEcho', text: `${node.nodeId}->${other.nodeId}` });
          return [reply.text, reply.servedBy];
        }),
    );
    const results = await Promise.all(asks);
    expect(results).toHaveLength(20);
    for (const [text, servedBy] of results) expect(text!.endsWith(`->${servedBy}`)).toBe(true);
  });

  it('publishes signed node records in the Kad-DHT that other nodes can read', async () => {
    await mesh.nodes[3]!.setShards([3, 7]);
    const record = await mesh.nodes[1]!.lookupNodeRecord('node-3', { signal: AbortSignal.timeout(5000) });
    expect(record).toMatchObject({ nodeId: 'node-3', peerId: mesh.nodes[3]!.peerId, shards: [3, 7] });
    expect(record!.addresses.length).toBeGreaterThan(0);
    // The hello gossip carries the new shards too.
    await waitFor(() =>
      mesh.nodes[0]!.peers().some((peer) => peer.nodeId === 'node-3' && peer.shards.join() === '3,7'),
    );
  });

  it('reports peer:lost with node and peer id when a node stops', async () => {
    const lost: PeerEvent[] = [];
    const off = mesh.nodes[0]!.on('peer:lost', (event) => lost.push(event));
    const leaving = mesh.nodes[4]!;
    await mesh.stopNode(4);
    await waitFor(() => lost.length > 0);
    off();
    expect(lost[0]).toEqual({ nodeId: 'node-4', peerId: leaving.peerId });
    expect(mesh.nodes[0]!.peers().map((peer) => peer.nodeId)).not.toContain('node-4');
  });

  it('fails a call pending on a killed node with PeerGoneError and keeps serving the rest', async () => {
    const ref = mesh.nodes[0]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-3' }, 'echo-node-3');
    const pending = ref.ask(
      { type: 'TransportTestEcho', text: 'slow', delayMs: 10_000 },
      { timeoutMs: 10_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await mesh.killNode(3);
    await expect(pending).rejects.toBeInstanceOf(PeerGoneError);
    // A call to a node that is gone fails with PeerGoneError too (it is not in the table any more).
    await expect(
      ref.ask({ type: 'TransportTestEcho', text: 'x' }, { timeoutMs: 3000 }),
    ).rejects.toBeInstanceOf(PeerGoneError);
    const alive = mesh.nodes[0]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-2' }, 'echo-node-2');
    await expect(alive.ask({ type: 'TransportTestEcho', text: 'ok' })).resolves.toMatchObject({
      servedBy: 'node-2',
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
