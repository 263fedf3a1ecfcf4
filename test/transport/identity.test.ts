/** The node identity: the PeerId survives a restart with the same data directory; bad options are typed errors. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { InvalidIdError, StorageError, ValidationError } from '../../messages/index.js';
import { createTransportNode, parseSeedNode } from '../../transport/index.js';

describe('node identity', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cameodb-identity-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const options = (dir: string) => ({
    dataDir: join(root, dir),
    nodeId: 'n1',
    host: '127.0.0.1',
    port: 0,
    quic: false,
    logger: pino({ level: 'silent' }),
  });

  it('keeps the same PeerId across a restart, and another data directory gets another one', async () => {
    const first = await createTransportNode(options('a'));
    await first.start();
    await first.stop();
    const again = await createTransportNode(options('a'));
    await again.start();
    expect(again.peerId).toBe(first.peerId);
    expect(again.multiaddrs()[0]).toContain(`/p2p/${first.peerId}`);
    await again.stop();
    const other = await createTransportNode(options('b'));
    expect(other.peerId).not.toBe(first.peerId);
  });

  it('refuses a corrupt key file with a StorageError instead of silently changing identity', async () => {
    await mkdir(join(root, 'c'));
    await writeFile(join(root, 'c', 'peer-key'), new Uint8Array([1, 2, 3]));
    await expect(createTransportNode(options('c'))).rejects.toBeInstanceOf(StorageError);
  });

  it('validates node ids, ports and frame limits', async () => {
    await expect(createTransportNode({ ...options('d'), nodeId: 'bad id!' })).rejects.toBeInstanceOf(
      InvalidIdError,
    );
    await expect(createTransportNode({ ...options('d'), port: 70000 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(createTransportNode({ ...options('d'), maxFrameBytes: 10 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('seed node parsing', () => {
  it('accepts host:port and multiaddrs', () => {
    expect(parseSeedNode('127.0.0.1:9580').toString()).toBe('/ip4/127.0.0.1/tcp/9580');
    expect(parseSeedNode('[::1]:9580').toString()).toBe('/ip6/::1/tcp/9580');
    expect(parseSeedNode('db-1.internal:9580').toString()).toBe('/dns/db-1.internal/tcp/9580');
    expect(parseSeedNode('/ip4/10.0.0.1/udp/9580/quic-v1').toString()).toBe('/ip4/10.0.0.1/udp/9580/quic-v1');
  });

  it('rejects anything else with a ValidationError', () => {
    for (const bad of ['127.0.0.1', 'host:0', 'host:99999', '/not/a/multiaddr', '']) {
      expect(() => parseSeedNode(bad)).toThrow(ValidationError);
    }
  });
});
