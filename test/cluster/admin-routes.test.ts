/**
 * The cluster admin routes on a node without the cluster layer (a one-node cluster) and
 * the key-space shares of a ring. (A real 3-process cluster is covered by processes.e2e.)
 */
import { describe, expect, it } from '@jest/globals';
import { HashRing } from '../../actors/index.js';
import { rebalancingJson, ringShares } from '../../apps/server/routes/cluster.js';
import { fakeGateway } from '../apps/server/fake-node.js';

describe('cluster admin routes without --cluster-enabled', () => {
  it('GET /_cluster/nodes answers a one-node cluster', async () => {
    const { app, node } = fakeGateway();
    const response = await app.request('/_cluster/nodes');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      cluster_enabled: false,
      state: 'Active',
      node_id: node.nodeId,
      nodes: [{ node_id: node.nodeId, self: true, healthy: true, shards: 4 }],
    });
  });

  it('GET /_cluster/ring shows this node owning the whole key space', async () => {
    const { app, node } = fakeGateway();
    const body = (await (await app.request('/_cluster/ring')).json()) as {
      virtual_nodes: number;
      members: Array<{ node_id: string; shard_count: number; key_space_share: number }>;
      tokens: Array<{ token: number; shard_id: number }>;
    };
    expect(body.virtual_nodes).toBe(256);
    expect(body.members).toEqual([{ node_id: node.nodeId, shard_count: 4, key_space_share: 1 }]);
    expect(new Set(body.tokens.map((token) => token.shard_id))).toEqual(new Set([0, 1, 2, 3]));
    const tokens = body.tokens.map((token) => token.token);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
  });
});

describe('DELETE /_cluster/nodes/{nodeId} without --cluster-enabled', () => {
  it('is a 400 naming the reason', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/_cluster/nodes/some-node', { method: 'DELETE' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ error: 'VALIDATION_ERROR' });
    expect(JSON.stringify(body)).toMatch(/not a cluster member/);
  });
});

describe('ringShares', () => {
  it('splits the key space between members, summing to 1, roughly evenly with 256 virtual nodes', () => {
    const ring = new HashRing(['a', 'b', 'c'].map((nodeId) => ({ nodeId, shardCount: 2 })));
    const shares = ringShares(ring.tokens().map((token) => ({ ...token })));
    const values = [...shares.values()];
    expect(values.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 9);
    for (const share of values) {
      expect(share).toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.42);
    }
  });
});

describe('rebalancingJson', () => {
  it('shows a handoff of this node, or of another node it knows of, as active', () => {
    expect(
      rebalancingJson({ active: true, pendingDocuments: 12, handedOffDocuments: 30, nodes: ['self'] }),
    ).toEqual({
      active: true,
      handing_off: true,
      pending_documents: 12,
      handed_off_documents: 30,
      nodes: ['self'],
    });
    expect(
      rebalancingJson({ active: false, pendingDocuments: 0, handedOffDocuments: 0, nodes: ['peer'] }),
    ).toMatchObject({
      active: true,
      handing_off: false,
    });
    expect(
      rebalancingJson({ active: false, pendingDocuments: 0, handedOffDocuments: 5, nodes: [] }).active,
    ).toBe(false);
  });
});
