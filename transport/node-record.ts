/**
 * Node records: the signed statement "node id N is PeerId P, reachable at these addresses,
 * owning these shards", published in the Kad-DHT under `/cameodb-node/<nodeId>` so a node
 * can find a peer it is not connected to. The DHT validator accepts a record only if it is
 * signed by the key of the PeerId it names and its key matches its node id; the selector
 * keeps the newest (`updatedAt`).
 * @module
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { Packr } from 'msgpackr';

/** The DHT namespace of node records (the first segment of the key). */
export const NODE_RECORD_NAMESPACE = 'cameodb-node';

/** What the mesh knows about one node. */
export interface NodeRecord {
  readonly nodeId: string;
  readonly peerId: string;
  readonly addresses: readonly string[];
  readonly shards: readonly number[];
  /** Milliseconds since the epoch when the record was made; the newest wins. */
  readonly updatedAt: number;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The DHT key of a node id's record. */
export function nodeRecordKey(nodeId: string): Uint8Array {
  return textEncoder.encode(`/${NODE_RECORD_NAMESPACE}/${nodeId}`);
}

function recordBody(record: NodeRecord): Uint8Array {
  return packr.pack([record.nodeId, record.peerId, record.addresses, record.shards, record.updatedAt]);
}

/** Signs a record with the node's private key and returns the DHT value. */
export async function signNodeRecord(record: NodeRecord, privateKey: PrivateKey): Promise<Uint8Array> {
  const body = recordBody(record);
  const signature = await privateKey.sign(body);
  return packr.pack([body, signature]);
}

/** Decodes and verifies a DHT value; throws if it is malformed or its signature is wrong. */
export async function openNodeRecord(value: Uint8Array): Promise<NodeRecord> {
  const outer: unknown = packr.unpack(value);
  if (!Array.isArray(outer) || outer.length !== 2) throw new Error('node record is not [body, signature]');
  const [body, signature] = outer as unknown[];
  if (!(body instanceof Uint8Array) || !(signature instanceof Uint8Array))
    throw new Error('node record bytes');
  const fields: unknown = packr.unpack(body);
  if (!Array.isArray(fields) || fields.length !== 5) throw new Error('node record body is malformed');
  const [nodeId, peerId, addresses, shards, updatedAt] = fields as unknown[];
  if (
    typeof nodeId !== 'string' ||
    typeof peerId !== 'string' ||
    !Array.isArray(addresses) ||
    !addresses.every((address) => typeof address === 'string') ||
    !Array.isArray(shards) ||
    !shards.every((shard) => Number.isInteger(shard)) ||
    typeof updatedAt !== 'number'
  ) {
    throw new Error('node record fields are malformed');
  }
  const publicKey = peerIdFromString(peerId).publicKey;
  if (publicKey === undefined) throw new Error('node record peer id does not embed its public key');
  if (!(await publicKey.verify(body, signature))) throw new Error('node record signature is invalid');
  return { nodeId, peerId, addresses: addresses as string[], shards: shards as number[], updatedAt };
}

/** DHT validator: the key must name the record's node id and the signature must verify. */
export async function validateNodeRecord(key: Uint8Array, value: Uint8Array): Promise<void> {
  const record = await openNodeRecord(value);
  if (textDecoder.decode(key) !== `/${NODE_RECORD_NAMESPACE}/${record.nodeId}`) {
    throw new Error('node record key does not match its node id');
  }
}

/** DHT selector: the index of the newest valid record (invalid ones lose). */
export async function selectNodeRecord(_key: Uint8Array, values: Uint8Array[]): Promise<number> {
  let best = 0;
  let bestTime = -1;
  for (const [index, value] of values.entries()) {
    try {
      const record = await openNodeRecord(value);
      if (record.updatedAt > bestTime) {
        best = index;
        bestTime = record.updatedAt;
      }
    } catch {
      // An invalid record is never selected; the validator already refused to store it.
    }
  }
  return best;
}
