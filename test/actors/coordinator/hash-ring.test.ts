import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { HashRing, routeKey, stableHash, VIRTUAL_NODES_PER_NODE } from '../../../actors/coordinator/index.js';

describe('stableHash', () => {
  it('matches fixed vectors (first 48 bits of SHA-256) forever', () => {
    // sha256("") = e3b0c44298fc1c14...: the first 6 bytes are 0xe3b0c44298fc.
    expect(stableHash('')).toBe(0xe3b0c44298fc);
    expect(stableHash('a')).toBe(222752054364699);
    expect(stableHash('doc-1')).toBe(205670134137911);
    expect(stableHash('node-a#0')).toBe(264129174670347);
    expect(stableHash('héllo')).toBe(66281430420745);
    expect(stableHash(new TextEncoder().encode('doc-1'))).toBe(205670134137911);
  });

  it('equals the first 6 bytes of a SHA-256 Hash object for any string or bytes', () => {
    const reference = (input: string | Uint8Array): number =>
      createHash('sha256').update(input).digest().readUIntBE(0, 6);
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => stableHash(text) === reference(text)));
    fc.assert(fc.property(fc.uint8Array(), (bytes) => stableHash(bytes) === reference(bytes)));
  });
});

describe('HashRing', () => {
  const three = [
    { nodeId: 'node-a', shardCount: 4 },
    { nodeId: 'node-b', shardCount: 4 },
    { nodeId: 'node-c', shardCount: 4 },
  ];

  it('has 256 virtual nodes per node and fixed owners for fixed keys', () => {
    const ring = new HashRing(three);
    expect(ring.size).toBe(3 * VIRTUAL_NODES_PER_NODE);
    const owners = ['doc-1', 'doc-2', 'user:42', ''].map((key) => ring.ownerOf(key));
    // Independent of member order: the same ring in another process gives the same owners.
    const shuffled = new HashRing([three[2]!, three[0]!, three[1]!]);
    expect(['doc-1', 'doc-2', 'user:42', ''].map((key) => shuffled.ownerOf(key))).toEqual(owners);
    for (const owner of owners) {
      expect(['node-a', 'node-b', 'node-c']).toContain(owner.nodeId);
      expect(owner.shardId).toBeGreaterThanOrEqual(0);
      expect(owner.shardId).toBeLessThan(4);
    }
  });

  it('spreads keys over nodes and shards roughly evenly', () => {
    const ring = new HashRing(three);
    const counts = new Map<string, number>();
    const keys = 30_000;
    for (let i = 0; i < keys; i++) {
      const { nodeId, shardId } = ring.ownerOf(`key-${i}`);
      counts.set(`${nodeId}/${shardId}`, (counts.get(`${nodeId}/${shardId}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(12);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan((keys / 12) * 0.6);
      expect(count).toBeLessThan((keys / 12) * 1.4);
    }
  });

  it('moves only the keys that the new node takes when a node joins', () => {
    const before = new HashRing(three);
    const after = new HashRing([...three, { nodeId: 'node-d', shardCount: 4 }]);
    let moved = 0;
    for (let i = 0; i < 10_000; i++) {
      const key = `key-${i}`;
      const a = before.ownerOf(key);
      const b = after.ownerOf(key);
      if (a.nodeId !== b.nodeId) {
        moved++;
        expect(b.nodeId).toBe('node-d');
      } else {
        expect(b).toEqual(a);
      }
    }
    expect(moved / 10_000).toBeGreaterThan(0.15);
    expect(moved / 10_000).toBeLessThan(0.35);
  });

  it('refuses duplicate nodes, bad shard counts and lookups on an empty ring', () => {
    expect(() => new HashRing([three[0]!, three[0]!])).toThrow(RangeError);
    expect(() => new HashRing([{ nodeId: 'x', shardCount: 0 }])).toThrow(RangeError);
    expect(() => new HashRing([]).ownerOf('k')).toThrow(/empty/);
  });
});

describe('routeKey', () => {
  it('follows the ladder: routing field, routing key, id, document hash', () => {
    const doc = { tenant: 't-9', title: 'x' };
    expect(routeKey({ routingField: 'tenant', routingKey: 'rk', id: 'd1', doc })).toBe('t-9');
    expect(routeKey({ routingField: 'missing', routingKey: 'rk', id: 'd1', doc })).toBe('rk');
    expect(routeKey({ id: 'd1', doc })).toBe('d1');
    const hashed = routeKey({ doc });
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
    expect(routeKey({ doc: { title: 'x', tenant: 't-9' } })).toBe(hashed);
    expect(() => routeKey({})).toThrow(RangeError);
  });
});
