/**
 * The RPC envelope: what travels inside one length-prefixed frame on `/cameodb/rpc/1.0.0`.
 * It is private to transport/: a msgpack array whose first element is the frame kind.
 *
 * | kind | layout | meaning |
 * |---|---|---|
 * | 0 Hello | `[0, hello]` | first frame each side sends: its node id, shards and known peers |
 * | 1 Ask | `[1, correlationId, target, timeoutMs, payload]` | request; payload is an `encodeMessage` frame, timeoutMs the caller's remaining deadline |
 * | 2 Tell | `[2, target, payload]` | one-way message |
 * | 3 Reply | `[3, correlationId, payload]` | the handler's reply, an `encodeMessage` frame |
 * | 4 Failure | `[4, correlationId, payload]` | an `Error` message (`CameoError.toWire()`) |
 * | 5 Cancel | `[5, correlationId]` | the caller gave up (deadline or AbortSignal): abort the handler's ask |
 *
 * Payloads stay as nested bytes so the envelope is checked here cheaply, and the message
 * itself is checked by the registry (`decodeMessage`) only where it is consumed.
 * @module
 */
import { Packr } from 'msgpackr';

/** Frame kinds; numbers on the wire, names in code. */
export const FrameKind = { Hello: 0, Ask: 1, Tell: 2, Reply: 3, Failure: 4, Cancel: 5 } as const;

/** What a node tells a peer when a session opens. */
export interface HelloBody {
  readonly nodeId: string;
  readonly shards: readonly number[];
  /** The sender's own dialable addresses. */
  readonly addresses: readonly string[];
  /** Peers this node is connected to, so the receiver can dial them (mesh discovery). */
  readonly peers: ReadonlyArray<{ readonly peerId: string; readonly addresses: readonly string[] }>;
}

/** A decoded envelope. */
export type Envelope =
  | { readonly kind: typeof FrameKind.Hello; readonly hello: HelloBody }
  | {
      readonly kind: typeof FrameKind.Ask;
      readonly id: number;
      readonly target: string;
      readonly timeoutMs: number;
      readonly payload: Uint8Array;
    }
  | { readonly kind: typeof FrameKind.Tell; readonly target: string; readonly payload: Uint8Array }
  | { readonly kind: typeof FrameKind.Reply; readonly id: number; readonly payload: Uint8Array }
  | { readonly kind: typeof FrameKind.Failure; readonly id: number; readonly payload: Uint8Array }
  | { readonly kind: typeof FrameKind.Cancel; readonly id: number };

/** An envelope that is not well formed; the session resets the stream. */
export class EnvelopeViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeViolation';
  }
}

/** The most peers a hello may list; far above any cluster size, bounds a hostile hello. */
const MAX_HELLO_PEERS = 4096;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** Encodes an envelope into frame bytes (without the length prefix). */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  switch (envelope.kind) {
    case FrameKind.Hello:
      return packr.pack([envelope.kind, envelope.hello]);
    case FrameKind.Ask:
      return packr.pack([envelope.kind, envelope.id, envelope.target, envelope.timeoutMs, envelope.payload]);
    case FrameKind.Tell:
      return packr.pack([envelope.kind, envelope.target, envelope.payload]);
    case FrameKind.Reply:
    case FrameKind.Failure:
      return packr.pack([envelope.kind, envelope.id, envelope.payload]);
    case FrameKind.Cancel:
      return packr.pack([envelope.kind, envelope.id]);
  }
}

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isTarget = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 256;
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length <= 64 &&
  value.every((item) => typeof item === 'string' && item.length <= 512);
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

function checkHello(value: unknown): HelloBody {
  if (value === null || typeof value !== 'object') throw new EnvelopeViolation('hello is not an object');
  const { nodeId, shards, addresses, peers } = value as Record<string, unknown>;
  if (typeof nodeId !== 'string' || nodeId.length === 0 || nodeId.length > 128) {
    throw new EnvelopeViolation('hello has no valid nodeId');
  }
  if (!Array.isArray(shards) || !shards.every((shard) => Number.isInteger(shard))) {
    throw new EnvelopeViolation('hello has invalid shards');
  }
  if (!isStringArray(addresses)) throw new EnvelopeViolation('hello has invalid addresses');
  if (!Array.isArray(peers) || peers.length > MAX_HELLO_PEERS)
    throw new EnvelopeViolation('hello has invalid peers');
  for (const peer of peers as unknown[]) {
    const { peerId, addresses: peerAddresses } = (peer ?? {}) as Record<string, unknown>;
    if (typeof peerId !== 'string' || !isStringArray(peerAddresses)) {
      throw new EnvelopeViolation('hello has an invalid peer entry');
    }
  }
  return { nodeId, shards: shards as number[], addresses, peers: peers as HelloBody['peers'] };
}

/** Decodes frame bytes into an envelope; throws EnvelopeViolation for anything malformed or unknown. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new EnvelopeViolation(`malformed frame: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new EnvelopeViolation('frame is not an envelope array');
  const [kind, a, b, c, d] = raw as unknown[];
  switch (kind) {
    case FrameKind.Hello:
      if (raw.length !== 2) break;
      return { kind, hello: checkHello(a) };
    case FrameKind.Ask:
      if (raw.length !== 5 || !isId(a) || !isTarget(b) || !isId(c) || !isBytes(d)) break;
      return { kind, id: a, target: b, timeoutMs: c, payload: d };
    case FrameKind.Tell:
      if (raw.length !== 3 || !isTarget(a) || !isBytes(b)) break;
      return { kind, target: a, payload: b };
    case FrameKind.Reply:
    case FrameKind.Failure:
      if (raw.length !== 3 || !isId(a) || !isBytes(b)) break;
      return { kind, id: a, payload: b };
    case FrameKind.Cancel:
      if (raw.length !== 2 || !isId(a)) break;
      return { kind, id: a };
    default:
      throw new EnvelopeViolation(`unknown frame kind ${JSON.stringify(kind)?.slice(0, 40)}`);
  }
  throw new EnvelopeViolation(`malformed frame of kind ${String(kind)}`);
}
