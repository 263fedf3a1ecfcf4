/** The deadline of an ask covers dialing: a peer whose socket accepts but never speaks times out on time. */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { pino } from 'pino';
import { AskTimeoutError, CancelledError, PeerGoneError } from '../../messages/index.js';
import { createTransportNode, type TransportNode } from '../../transport/index.js';
import { Echo, type EchoReplies } from './support/echo-actor.js';

describe('dial inside the ask deadline', () => {
  let root: string;
  let node: TransportNode;
  let blackhole: Server;
  const sockets = new Set<Socket>();
  let blackholePort = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cameodb-deadline-'));
    // Accepts TCP connections and never answers: the Noise handshake hangs.
    blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    blackholePort = (blackhole.address() as { port: number }).port;
    node = await createTransportNode({
      dataDir: join(root, 'n'),
      nodeId: 'n',
      host: '127.0.0.1',
      port: 0,
      quic: false,
      logger: pino({ level: 'silent' }),
    });
    await node.start();
  });
  afterAll(async () => {
    await node.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  async function silentPeer(): Promise<string> {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    await node.libp2p.peerStore.merge(peerId, {
      multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${blackholePort}`)],
    });
    return peerId.toString();
  }

  it('fails with AskTimeoutError at the deadline while the dial hangs', async () => {
    const ref = node.remoteRef<Echo, EchoReplies>({ peerId: await silentPeer() }, 'echo');
    const started = Date.now();
    await expect(
      ref.ask({ type: Echo.tag as 'TransportTestEcho', text: 'x' }, { timeoutMs: 400 }),
    ).rejects.toBeInstanceOf(AskTimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(395);
    expect(elapsed).toBeLessThan(1500);
  });

  it('cancels a hanging dial through the AbortSignal', async () => {
    const ref = node.remoteRef<Echo, EchoReplies>({ peerId: await silentPeer() }, 'echo');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      ref.ask({ type: 'TransportTestEcho', text: 'x' }, { timeoutMs: 5000, signal: controller.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('fails with PeerGoneError when a node id is neither connected nor in the DHT', async () => {
    const ref = node.remoteRef<Echo, EchoReplies>({ nodeId: 'nobody' }, 'echo');
    await expect(
      ref.ask({ type: 'TransportTestEcho', text: 'x' }, { timeoutMs: 3000 }),
    ).rejects.toBeInstanceOf(PeerGoneError);
  });
});
