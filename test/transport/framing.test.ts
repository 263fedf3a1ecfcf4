/** The RPC framing and envelope, and node records: pure functions, no network. */
import { describe, expect, it } from '@jest/globals';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { encode } from 'it-length-prefixed';
import { Packr } from 'msgpackr';
import { Uint8ArrayList } from 'uint8arraylist';
import {
  decodeEnvelope,
  encodeEnvelope,
  EnvelopeViolation,
  FrameKind,
  type Envelope,
} from '../../transport/envelope.js';
import { encodeLengthPrefix, FrameDecoder, FramingViolation } from '../../transport/framing.js';
import {
  nodeRecordKey,
  openNodeRecord,
  selectNodeRecord,
  signNodeRecord,
  validateNodeRecord,
  type NodeRecord,
} from '../../transport/node-record.js';

function framed(...bodies: Uint8Array[]): Uint8Array {
  const list = new Uint8ArrayList();
  for (const body of bodies) list.append(encodeLengthPrefix(body.byteLength), body);
  return list.subarray();
}

describe('FrameDecoder', () => {
  it('splits several frames in one chunk and one frame over many chunks', () => {
    const a = new Uint8Array(300).fill(1);
    const b = new Uint8Array([2, 2]);
    const c = new Uint8Array(0);
    const bytes = framed(a, b, c);
    const whole = new FrameDecoder(1024).push(bytes);
    expect(whole.map((frame) => frame.byteLength)).toEqual([300, 2, 0]);
    const decoder = new FrameDecoder(1024);
    const frames: Uint8Array[] = [];
    for (const byte of bytes) frames.push(...decoder.push(new Uint8Array([byte])));
    expect(frames.map((frame) => [...frame])).toEqual([[...a], [...b], []]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('encodes the same varint prefix as it-length-prefixed', () => {
    expect([...encodeLengthPrefix(0)]).toEqual([0]);
    expect([...encodeLengthPrefix(127)]).toEqual([127]);
    expect([...encodeLengthPrefix(128)]).toEqual([0x80, 0x01]);
    expect([...encodeLengthPrefix(300)]).toEqual([0xac, 0x02]);
    expect([...encodeLengthPrefix(2 ** 28)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x01]);
    for (const length of [0, 1, 127, 128, 300, 70_000]) {
      const theirs = encode.single(new Uint8Array(length)).subarray();
      const ours = encodeLengthPrefix(length);
      expect([...theirs.subarray(0, ours.byteLength)]).toEqual([...ours]);
      expect(theirs.byteLength).toBe(ours.byteLength + length);
    }
  });

  it('refuses an oversized frame as soon as its prefix arrives', () => {
    const decoder = new FrameDecoder(1000);
    expect(() => decoder.push(encodeLengthPrefix(1001))).toThrow(FramingViolation);
    expect(new FrameDecoder(1000).push(framed(new Uint8Array(1000)))).toHaveLength(1);
  });

  it('refuses a corrupt prefix (a varint that never ends)', () => {
    expect(() => new FrameDecoder(1000).push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      FramingViolation,
    );
  });
});

describe('RPC envelope', () => {
  const payload = new Uint8Array([1, 2, 3]);
  const envelopes: Envelope[] = [
    {
      kind: FrameKind.Hello,
      hello: { nodeId: 'n1', shards: [1, 2], addresses: ['/ip4/127.0.0.1/tcp/1'], peers: [] },
    },
    { kind: FrameKind.Ask, id: 7, target: 'echo', timeoutMs: 500, payload },
    { kind: FrameKind.Tell, target: 'echo', payload },
    { kind: FrameKind.Reply, id: 7, payload },
    { kind: FrameKind.Failure, id: 8, payload },
    { kind: FrameKind.Cancel, id: 9 },
  ];

  it('round-trips every kind', () => {
    for (const envelope of envelopes) expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it('refuses garbage, unknown kinds and malformed fields with EnvelopeViolation', () => {
    const packr = new Packr({ useRecords: false });
    const bad = [
      new Uint8Array([0xc1]),
      packr.pack('text'),
      packr.pack([]),
      packr.pack([42, 1]),
      packr.pack([FrameKind.Ask, -1, 'echo', 5, payload]),
      packr.pack([FrameKind.Ask, 1, '', 5, payload]),
      packr.pack([FrameKind.Ask, 1, 'echo', 5, 'not bytes']),
      packr.pack([FrameKind.Reply, 1]),
      packr.pack([FrameKind.Hello, { nodeId: 'n', shards: ['x'], addresses: [], peers: [] }]),
      packr.pack([FrameKind.Hello, { nodeId: 'n', shards: [], addresses: [], peers: [{ peerId: 1 }] }]),
    ];
    for (const bytes of bad) expect(() => decodeEnvelope(bytes)).toThrow(EnvelopeViolation);
  });
});

describe('node records', () => {
  async function signed(overrides: Partial<NodeRecord> = {}) {
    const key = await generateKeyPair('Ed25519');
    const record: NodeRecord = {
      nodeId: 'n1',
      peerId: peerIdFromPrivateKey(key).toString(),
      addresses: ['/ip4/127.0.0.1/tcp/9580'],
      shards: [0, 5],
      updatedAt: 1000,
      ...overrides,
    };
    return { key, record, value: await signNodeRecord(record, key) };
  }

  it('opens a record signed by its PeerId, under its own key', async () => {
    const { record, value } = await signed();
    await expect(openNodeRecord(value)).resolves.toEqual(record);
    await expect(validateNodeRecord(nodeRecordKey('n1'), value)).resolves.toBeUndefined();
  });

  it('refuses a record under another node id key, a tampered record and a forged signer', async () => {
    const { value, record } = await signed();
    await expect(validateNodeRecord(nodeRecordKey('n2'), value)).rejects.toThrow();
    const tampered = Uint8Array.from(value);
    tampered[10] = tampered[10]! ^ 0xff;
    await expect(validateNodeRecord(nodeRecordKey('n1'), tampered)).rejects.toThrow();
    // Signed by one key but claiming another PeerId.
    const other = await generateKeyPair('Ed25519');
    const forged = await signNodeRecord(
      { ...record, peerId: peerIdFromPrivateKey(other).toString() },
      (await signed()).key,
    );
    await expect(validateNodeRecord(nodeRecordKey('n1'), forged)).rejects.toThrow('signature');
  });

  it('selects the newest record', async () => {
    const older = await signed({ updatedAt: 1 });
    const newer = await signed({ updatedAt: 2 });
    await expect(selectNodeRecord(nodeRecordKey('n1'), [older.value, newer.value])).resolves.toBe(1);
    await expect(selectNodeRecord(nodeRecordKey('n1'), [newer.value, older.value])).resolves.toBe(0);
  });
});
