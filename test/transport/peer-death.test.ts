/**
 * A call to a peer that dies fails fast with PeerGoneError. The peer is a real child
 * process: SIGKILL on TCP (bound: 1 s), SIGKILL on QUIC (bound: QUIC idle timeout 3 s or
 * the connection monitor), and SIGSTOP (a hung peer, found by the connection monitor's ping).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { PeerGoneError } from '../../messages/index.js';
import { createTransportNode, type PeerEvent, type TransportNode } from '../../transport/index.js';
import { spawnChildPeer, type ChildPeer } from './support/child-peer.js';
import { Echo as EchoDefinition, type Echo, type EchoReplies } from './support/echo-actor.js';

// The echo protocol must be registered in this process too (a type-only import would be elided).
expect(EchoDefinition.tag).toBe('TransportTestEcho');

describe('peer death', () => {
  let root: string;
  let node: TransportNode;
  let child: ChildPeer | undefined;
  const lost: PeerEvent[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cameodb-death-'));
    node = await createTransportNode({
      dataDir: join(root, 'parent'),
      nodeId: 'parent',
      host: '127.0.0.1',
      port: 0,
      quic: true,
      logger: pino({ level: 'silent' }),
    });
    node.on('peer:lost', (event) => lost.push(event));
    await node.start();
  });
  afterEach(async () => {
    await child?.kill();
    child = undefined;
  });
  afterAll(async () => {
    await node.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Starts a child, connects to it over `transport`, and has a 30 s call pending on it. */
  async function pendingCallOnChild(name: string, transport: 'tcp' | 'quic') {
    child = await spawnChildPeer({ dataDir: join(root, name), nodeId: name, quic: transport === 'quic' });
    const address = child.multiaddrs.find((value) =>
      value.includes(transport === 'quic' ? '/quic-v1' : '/tcp/'),
    );
    await node.dial(address!);
    const joined = new Promise<void>((resolve) => {
      const off = node.on('peer:joined', (event) => {
        if (event.nodeId === name) {
          off();
          resolve();
        }
      });
      if (node.peers().some((peer) => peer.nodeId === name)) resolve();
    });
    await joined;
    const ref = node.remoteRef<Echo, EchoReplies>({ nodeId: name }, 'echo');
    // A round trip first, so the call below is surely in flight on an open session.
    await expect(ref.ask({ type: 'TransportTestEcho', text: 'warm' })).resolves.toMatchObject({
      servedBy: name,
    });
    const call = ref.ask({ type: 'TransportTestEcho', text: 'slow', delayMs: 30_000 }, { timeoutMs: 30_000 });
    const outcome = call.then(
      () => ({ error: undefined as unknown, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Wrapped: an async function returning a bare promise would wait for it.
    return { outcome };
  }

  it('fails a pending call within 1 s when the peer process is killed (TCP)', async () => {
    const { outcome } = await pendingCallOnChild('killed-tcp', 'tcp');
    const killedAt = Date.now();
    await child!.kill('SIGKILL');
    const { error, at } = await outcome;
    expect(error).toBeInstanceOf(PeerGoneError);
    expect(at - killedAt).toBeLessThan(1000);
    process.stdout.write(`TCP killed-peer detection: ${at - killedAt} ms\n`);
    await waitFor(() => lost.some((event) => event.nodeId === 'killed-tcp'));
  });

  it('fails a pending call within the QUIC idle bound when the peer process is killed (QUIC)', async () => {
    const { outcome } = await pendingCallOnChild('killed-quic', 'quic');
    const killedAt = Date.now();
    await child!.kill('SIGKILL');
    const { error, at } = await outcome;
    expect(error).toBeInstanceOf(PeerGoneError);
    // maxIdleTimeout 3 s, or the connection monitor (2 s ping interval + 2 s timeout), whichever is first.
    expect(at - killedAt).toBeLessThan(4500);
    process.stdout.write(`QUIC killed-peer detection: ${at - killedAt} ms\n`);
  }, 15_000);

  it('fails a pending call when the peer hangs (SIGSTOP), found by the connection monitor (TCP)', async () => {
    const { outcome } = await pendingCallOnChild('hung-tcp', 'tcp');
    const stoppedAt = Date.now();
    await child!.kill('SIGSTOP');
    const { error, at } = await outcome;
    expect(error).toBeInstanceOf(PeerGoneError);
    // Ping every 2 s, ping timeout 2 s: the connection is aborted within about 4 s.
    expect(at - stoppedAt).toBeLessThan(5000);
    process.stdout.write(`hung-peer detection: ${at - stoppedAt} ms\n`);
  }, 15_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
