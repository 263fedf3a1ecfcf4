/**
 * The msgpack wire format. A frame is the msgpack encoding of `[tag, payload]`, where
 * `payload` is the message with its `type` removed. Decoding checks the tag against the
 * registry and the payload against the tag's shape, so a decoded value is always a
 * correctly typed message, and bad bytes always give a DecodeError.
 * @module
 */
import { Packr } from 'msgpackr';
import { DecodeError, EncodeError } from './errors.js';
import { lookupMessage, type Message } from './registry.js';

// `useRecords: false` keeps frames plain msgpack, readable by any msgpack library;
// `mapsAsObjects` gives plain objects back; `moreTypes` off so only JSON-like values travel.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/** Encodes a registered message into a frame. */
export function encodeMessage<T extends Message>(message: T): Uint8Array {
  const definition = lookupMessage(message.type);
  if (!definition) throw new EncodeError(`message type "${message.type}" is not registered`);
  const { type, ...payload } = message as Message & Record<string, unknown>;
  try {
    return packr.pack([type, payload]);
  } catch (error) {
    throw new EncodeError(`cannot encode message "${type}": ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes a frame into a registered message. Throws DecodeError for truncated or corrupt
 * bytes, an unknown tag, or a payload of the wrong shape; never returns a wrongly typed value.
 */
export function decodeMessage<T extends Message = Message>(bytes: Uint8Array): T {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new DecodeError(`malformed frame (${bytes.length} bytes): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'string') {
    throw new DecodeError('malformed frame: expected [tag, payload]');
  }
  const [tag, payload] = raw as [string, unknown];
  const definition = lookupMessage(tag);
  if (!definition) throw new DecodeError(`unknown message tag "${tag.slice(0, 100)}"`);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new DecodeError(`message "${tag}" has a payload that is not an object`);
  }
  // The payload is a fresh object from unpack: set its tag in place instead of copying it
  // (the copy cost about as much as the unpack). The tag wins over any `type` in the payload.
  (payload as Record<string, unknown>).type = tag;
  const result = definition.schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new DecodeError(`message "${tag}" has the wrong shape${where}: ${issue?.message ?? 'invalid'}`, {
      details: {
        tag,
        issues: result.error.issues
          .slice(0, 5)
          .map((i) => ({ path: i.path.map(String), message: i.message })),
      },
    });
  }
  return result.data as T;
}
