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
 * The document a byte string was made from or decoded to, kept on the bytes themselves: a
 * document encoded at the gateway is read again by the router and the orchestrator (schema,
 * routing field) without a second decode. A property, not a WeakMap: measured, the WeakMap
 * cost 0.5-1 us per document (a document's journey through one hop: 104k/s against 134k/s);
 * neither msgpack nor a structured clone carries it, and it is not enumerable.
 */
const DECODED = Symbol('cameodb.decodedDocument');
type Remembering = Uint8Array & { [DECODED]?: JsonObject };

function remember(bytes: Uint8Array, doc: JsonObject): void {
  Object.defineProperty(bytes, DECODED, { value: doc, configurable: true });
}

/**
 * Encodes a document. The bytes may be a view of a buffer msgpackr shares between results:
 * `ownedDocumentBytes` copies them out before they cross into a thread.
 */
export function encodeDocument(doc: JsonObject): EncodedDocument {
  let bytes: EncodedDocument;
  try {
    bytes = packr.pack(doc) as Uint8Array as EncodedDocument;
  } catch (error) {
    throw new EncodeError(`cannot encode document: ${(error as Error).message}`, { cause: error });
  }
  remember(bytes, doc);
  return bytes;
}

/**
 * The document `bytes` encode. Throws DecodeError for bytes that are not a msgpack JSON
 * object. Within a process the same bytes give the same object: treat it as read-only.
 */
export function decodeDocument(bytes: Uint8Array): JsonObject {
  const seen = (bytes as Remembering)[DECODED];
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
  remember(bytes, value);
  return value;
}

/**
 * `bytes` as an array that owns its memory, for the hop into a worker thread: a structured
 * clone copies a view's whole buffer, and an encoded document is a view (of msgpackr's
 * shared buffer, or of the frame it arrived in, which may be megabytes).
 */
export function ownedDocumentBytes(bytes: EncodedDocument): EncodedDocument {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes) as EncodedDocument;
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
