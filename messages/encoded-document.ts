/**
 * Documents as their msgpack encoding. A write carries its document as bytes from the
 * gateway to the shard's storage thread, as Elasticsearch carries `_source`: a message
 * holding one is mostly a byte copy to encode, decode and hand to a worker thread, instead
 * of a walk of every field at every hop (the codec, then the structured clone into the
 * worker: measured 5-7 us each way for a 1 KB document, against 2 us to pack it once).
 * Code that needs the fields (schema inference, a routing field, the store) decodes it.
 * @module
 */
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { isPlainObject, type JsonObject } from './common.js';
import { DecodeError, EncodeError } from './errors.js';

declare const encodedDocumentBrand: unique symbol;

/** A JSON object encoded as msgpack by `encodeDocument`: a document in a message. */
export type EncodedDocument = Uint8Array & { readonly [encodedDocumentBrand]: true };

// The options of the message codec: plain msgpack, only JSON-like values.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

/**
 * Documents this process encoded or decoded, by their bytes: a document encoded at the
 * gateway is read again by the router and the orchestrator (schema, routing field) without
 * a second decode. Weak: the entry goes with the message.
 */
const known = new WeakMap<Uint8Array, JsonObject>();

/** Encodes a document. The result owns its memory (msgpackr returns a view of a shared buffer). */
export function encodeDocument(doc: JsonObject): EncodedDocument {
  let packed: Uint8Array;
  try {
    packed = packr.pack(doc);
  } catch (error) {
    throw new EncodeError(`cannot encode document: ${(error as Error).message}`, { cause: error });
  }
  // A copy of exact size: a view would drag msgpackr's whole buffer into every structured clone.
  const bytes = new Uint8Array(packed) as EncodedDocument;
  known.set(bytes, doc);
  return bytes;
}

/**
 * The document `bytes` encode. Throws DecodeError for bytes that are not a msgpack JSON
 * object. Within a process the same bytes give the same object: treat it as read-only.
 */
export function decodeDocument(bytes: Uint8Array): JsonObject {
  const seen = known.get(bytes);
  if (seen !== undefined) return seen;
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (error) {
    throw new DecodeError(`malformed document (${bytes.length} bytes): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isPlainObject(value)) throw new DecodeError('malformed document: expected a JSON object');
  known.set(bytes, value);
  return value;
}

/**
 * `bytes` as an array that owns its memory. A document decoded from a frame is a view of
 * the frame's buffer, and a structured clone (the hop into a worker thread) copies a
 * view's whole buffer, so a view of a large frame is copied out first.
 */
export function ownedDocumentBytes(bytes: EncodedDocument): EncodedDocument {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const owned = new Uint8Array(bytes) as EncodedDocument;
  const seen = known.get(bytes);
  if (seen !== undefined) known.set(owned, seen);
  return owned;
}

/** True for a Uint8Array (or Buffer) of any realm: jest's module registry has its own globals. */
function isByteArray(value: unknown): value is Uint8Array {
  return Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/**
 * Runtime check for a document in a message: bytes. Their content is checked where the
 * document is decoded (`decodeDocument`), not on every hop.
 */
export const encodedDocumentSchema: z.ZodType<EncodedDocument> = z.custom<EncodedDocument>(isByteArray, {
  message: 'expected an encoded document (bytes)',
});
