/**
 * The node's libp2p identity: an Ed25519 private key kept in the data directory, so the
 * node keeps its PeerId across restarts. The file is written atomically (temp + rename)
 * with mode 0600, because whoever reads it can impersonate the node.
 * @module
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { StorageError } from '../messages/index.js';

/** The key file's name inside the data directory. */
export const PEER_KEY_FILE = 'peer-key';

/** Loads the node's private key from `dataDir`, creating and persisting one on first start. */
export async function loadOrCreatePrivateKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StorageError(`cannot read the peer key ${path}`, { cause: error });
    }
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes);
    } catch (error) {
      throw new StorageError(`the peer key ${path} is corrupt; restore it or delete it to get a new PeerId`, {
        cause: error,
      });
    }
  }
  const key = await generateKeyPair('Ed25519');
  try {
    await mkdir(dataDir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, privateKeyToProtobuf(key), { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    throw new StorageError(`cannot write the peer key ${path}`, { cause: error });
  }
  return key;
}
