/** Private networks (libp2p pnet): only nodes holding the same pre-shared key connect; QUIC is refused with a key. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { ValidationError } from '../../messages/index.js';
import {
  createTransportNode,
  generateSwarmKey,
  waitForFullMesh,
  type TransportNode,
  type TransportNodeOptions,
} from '../../transport/index.js';
import { createEchoActor, type Echo, type EchoReplies } from './support/echo-actor.js';

describe('cluster pre-shared key', () => {
  let root: string;
  const started: TransportNode[] = [];
  const key = generateSwarmKey();

  async function startNode(name: string, options: Partial<TransportNodeOptions>): Promise<TransportNode> {
    const echo = createEchoActor('echo', name);
    const node = await createTransportNode({
      dataDir: join(root, name),
      nodeId: name,
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      resolveActor: (actor) => (actor === 'echo' ? echo : undefined),
      ...options,
    });
    started.push(node);
    await node.start();
    return node;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cameodb-psk-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((node) => node.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('connects nodes holding the same key (one given as text, one as a key file) and serves asks', async () => {
    const keyFile = join(root, 'swarm.key');
    await writeFile(keyFile, key);
    const first = await startNode('psk-a', { psk: key });
    const second = await startNode('psk-b', { pskFile: keyFile, seedNodes: [first.multiaddrs()[0]!] });
    await waitForFullMesh([first, second], 10_000);
    const reply = await second
      .remoteRef<Echo, EchoReplies>({ nodeId: 'psk-a' }, 'echo')
      .ask({ type: 'TransportTestEcho', text: 'secret' });
    expect(reply).toMatchObject({ text: 'secret', servedBy: 'psk-a' });
  });

  it('refuses a node with another key and a node with no key', async () => {
    const guarded = await startNode('psk-c', { psk: key });
    const address = guarded.multiaddrs()[0]!;
    const wrongKey = await startNode('wrong-key', { psk: generateSwarmKey() });
    const noKey = await startNode('no-key', { quic: false });
    await expect(wrongKey.dial(address, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    await expect(noKey.dial(address, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    expect(guarded.libp2p.getConnections()).toHaveLength(0);
    expect(guarded.peers()).toHaveLength(0);
  });

  it('refuses QUIC together with a key, and turns QUIC off by default when a key is set', async () => {
    await expect(
      createTransportNode({ dataDir: join(root, 'q1'), nodeId: 'q1', psk: key, quic: true, port: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    const node = await startNode('psk-no-quic', { psk: key });
    expect(node.multiaddrs().some((address) => address.includes('quic'))).toBe(false);
  });

  it('rejects a malformed key with a ValidationError', async () => {
    await expect(
      createTransportNode({ dataDir: join(root, 'bad'), nodeId: 'bad', psk: 'not a swarm key', port: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      createTransportNode({
        dataDir: join(root, 'bad'),
        nodeId: 'bad',
        pskFile: join(root, 'missing.key'),
        port: 0,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
