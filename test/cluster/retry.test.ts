/**
 * Retries of remote calls, with faults injected through a loopback mesh: a write whose
 * reply is lost after the owner applied it is retried and applied once (idempotency by
 * request id), a bulk batch likewise, a refused call is retried, and a write without
 * retries left fails with a 503-class error naming the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HashRing, startNode, type RunningNode } from '../../actors/index.js';
import { PeerGoneError } from '../../messages/index.js';
import { LoopbackHub } from './loopback-mesh.js';

const hub = new LoopbackHub();
const nodes: RunningNode[] = [];
let root: string;
let ring: HashRing;
let remoteKeys: string[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cameodb-retry-'));
  for (let index = 0; index < 2; index++) {
    nodes.push(
      await startNode({
        dataPaths: [join(root, `node-${index}`)],
        shards: 2,
        nodeName: `retry-${index}`,
        logger: pino({ level: 'silent' }),
        readerThreads: 1,
        cluster: { createMesh: hub.factory(), seeds: [], retryBackoffMs: 5, peerTimeoutMs: 2_000 },
      }),
    );
  }
  ring = new HashRing(nodes.map((node) => ({ nodeId: node.identity.nodeId, shardCount: 2 })));
  remoteKeys = Array.from({ length: 200 }, (_, i) => `key-${i}`).filter(
    (key) => ring.ownerOf(key).nodeId === nodes[1]!.identity.nodeId,
  );
  // Create the index (and its fields) first, so later writes need no schema change.
  await nodes[0]!.router.ask({ type: 'Write', index: 'retry', id: 'seed', doc: { title: 'seed', n: 0 } });
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('remote retries', () => {
  it('sees the same ring on both nodes', async () => {
    const snapshot = await nodes[0]!.cluster!.coordinator.ask({ type: 'GetRing' });
    expect(snapshot.members.map((member) => member.nodeId).sort()).toEqual(
      nodes.map((node) => node.identity.nodeId).sort(),
    );
  });

  it('applies a write once when its first reply is lost', async () => {
    const id = remoteKeys[0]!;
    let lost = 0;
    hub.fault = (_target, actor, message) =>
      actor.startsWith('router-') && message.type === 'Write' && lost++ === 0 ? 'lose-reply' : undefined;
    const reply = await nodes[0]!.router.ask({
      type: 'Write',
      index: 'retry',
      id,
      doc: { title: 'once', n: 1 },
    });
    hub.fault = () => undefined;
    expect(lost).toBe(2); // the first attempt (reply lost) and the retry
    expect(reply).toMatchObject({ result: 'created', version: 1, nodeId: nodes[1]!.identity.nodeId });
    const got = await nodes[0]!.router.ask({ type: 'Get', index: 'retry', id });
    expect(got).toMatchObject({ found: true, version: 1 });
    expect(nodes[0]!.cluster!.metrics.snapshot().retries).toBeGreaterThanOrEqual(1);
  });

  it('applies a bulk batch once when its first reply is lost, keeping positions', async () => {
    const ids = [remoteKeys[1]!, 'local-or-remote', remoteKeys[2]!];
    let lost = 0;
    hub.fault = (_target, _actor, message) =>
      message.type === 'BulkWrite' && lost++ === 0 ? 'lose-reply' : undefined;
    const reply = await nodes[0]!.router.ask({
      type: 'BulkWrite',
      index: 'retry',
      items: ids.map((id, n) => ({ id, doc: { title: `bulk ${n}`, n: n === 1 ? 'bad' : n } })),
    });
    hub.fault = () => undefined;
    expect(reply.itemsWritten).toBe(2);
    expect(reply.errors.map((error) => [error.position, error.id, error.error.code])).toEqual([
      [1, 'local-or-remote', 'FIELD_TYPE_ERROR'],
    ]);
    for (const id of [ids[0]!, ids[2]!]) {
      expect(await nodes[0]!.router.ask({ type: 'Get', index: 'retry', id })).toMatchObject({ version: 1 });
    }
  });

  it('retries a refused call and succeeds', async () => {
    let refused = 0;
    hub.fault = (_target, _actor, message) =>
      message.type === 'Get' && refused++ < 2 ? 'refuse' : undefined;
    const got = await nodes[0]!.router.ask({ type: 'Get', index: 'retry', id: remoteKeys[0]! });
    hub.fault = () => undefined;
    expect(got.found).toBe(true);
    expect(refused).toBe(3);
  });

  it('gives up after its attempts with a 503-class error naming the owner', async () => {
    hub.fault = (_target, _actor, message) => (message.type === 'Get' ? 'refuse' : undefined);
    const failure = await nodes[0]!.router.ask({ type: 'Get', index: 'retry', id: remoteKeys[3]! }).then(
      () => undefined,
      (error: unknown) => error,
    );
    hub.fault = () => undefined;
    expect(failure).toBeInstanceOf(PeerGoneError);
    expect((failure as PeerGoneError).message).toContain(nodes[1]!.identity.nodeId);
  });
});
