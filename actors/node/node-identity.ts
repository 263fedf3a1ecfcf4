/**
 * The node's identity, kept in `<dataPath>/node.json`: a UUID made on first start and reused
 * ever after, the node's name, and its shard count. The shard count is part of the identity
 * because it decides which shard holds which key: opening existing data with another count
 * would make documents unreachable, so that is refused.
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CameoError } from '../../messages/index.js';

/** The persisted identity of a node. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly shards: number;
  readonly createdAt: string;
}

const identitySchema = z.object({
  nodeId: z.string().uuid(),
  nodeName: z.string().min(1),
  shards: z.number().int().positive(),
  createdAt: z.string(),
});

/** The data directory holds an identity that cannot be used as asked. */
export class NodeIdentityError extends CameoError {
  static readonly code = 'NODE_IDENTITY_ERROR';
  constructor(message: string, details?: unknown) {
    super(NodeIdentityError.code, message, { details });
  }
}

/** File name of the identity inside the first data path. */
export const IDENTITY_FILE = 'node.json';

/**
 * Reads the identity in `dataPath`, or creates and durably writes a new one. The name is
 * updated when the configuration gives another; the shard count may never change.
 */
export function loadOrCreateIdentity(
  dataPath: string,
  wanted: { nodeName: string; shards: number },
): NodeIdentity {
  mkdirSync(dataPath, { recursive: true });
  const file = join(dataPath, IDENTITY_FILE);
  if (existsSync(file)) {
    let parsed: NodeIdentity;
    try {
      parsed = identitySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      throw new NodeIdentityError(`${file} is not a valid node identity: ${(error as Error).message}`, {
        file,
      });
    }
    if (parsed.shards !== wanted.shards) {
      throw new NodeIdentityError(
        `the data in ${dataPath} was written with ${parsed.shards} shards; it cannot be opened with ${wanted.shards} (set shards = ${parsed.shards})`,
        { file, stored: parsed.shards, wanted: wanted.shards },
      );
    }
    if (parsed.nodeName === wanted.nodeName) return parsed;
    const renamed = { ...parsed, nodeName: wanted.nodeName };
    writeDurably(file, renamed);
    return renamed;
  }
  const identity: NodeIdentity = {
    nodeId: randomUUID(),
    nodeName: wanted.nodeName,
    shards: wanted.shards,
    createdAt: new Date().toISOString(),
  };
  writeDurably(file, identity);
  return identity;
}

/** Write to a temporary file, fsync, then rename: a crash leaves the old or the new file, never half of one. */
function writeDurably(file: string, identity: NodeIdentity): void {
  const temporary = `${file}.tmp`;
  const descriptor = openSync(temporary, 'w');
  try {
    writeSync(descriptor, `${JSON.stringify(identity, null, 2)}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, file);
}
