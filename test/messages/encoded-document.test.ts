/**
 * Documents carried as their msgpack encoding: round trips, the per-process reuse of a
 * decoded document, copies that own their memory, and typed errors for bad bytes.
 */
import { describe, expect, it } from '@jest/globals';
import { Packr } from 'msgpackr';
import {
  DecodeError,
  decodeDocument,
  decodeMessage,
  encodeDocument,
  encodeMessage,
  ownedDocumentBytes,
  type EncodedDocument,
  type WriteRequest,
} from '../../messages/index.js';

const rawPackr = new Packr({ useRecords: false });

describe('encoded documents', () => {
  it('decode to an equal document, the same object for the bytes this process encoded', () => {
    const doc = { title: 'Dune', year: 1965, tags: ['sf'], meta: { isbn: null, ok: true } };
    const bytes = encodeDocument(doc);
    expect(decodeDocument(bytes)).toBe(doc);
    // Bytes from elsewhere (a copy, as after a frame or a thread hop) decode to an equal object.
    const copy = new Uint8Array(bytes);
    const decoded = decodeDocument(copy);
    expect(decoded).not.toBe(doc);
    expect(decoded).toEqual(doc);
    expect(decodeDocument(copy)).toBe(decoded);
  });

  it('cross into a thread as arrays of their own, not as views of a shared buffer', () => {
    const bytes = encodeDocument({ body: 'x'.repeat(100) });
    const owned = ownedDocumentBytes(bytes);
    expect(owned.byteOffset).toBe(0);
    expect(owned.buffer.byteLength).toBe(owned.byteLength);
    expect([...owned]).toEqual([...bytes]);
    // The remembered document is not part of the bytes: a clone carries only the bytes.
    expect(Object.keys(bytes)).toEqual(Object.keys(new Uint8Array(bytes)));
    expect(decodeDocument(structuredClone(owned))).toEqual({ body: 'x'.repeat(100) });
  });

  it('are copied out of a decoded frame before they cross into a worker thread', () => {
    const doc = { title: 'in a frame' };
    const message: WriteRequest = { type: 'WriteRequest', index: 'books', id: 'a', doc: encodeDocument(doc) };
    const frame = encodeMessage(message);
    const decoded = decodeMessage<WriteRequest>(frame);
    // A view of the frame's buffer (which a clone would copy whole) ...
    expect(decoded.doc.buffer.byteLength).toBeGreaterThan(decoded.doc.byteLength);
    const owned = ownedDocumentBytes(decoded.doc);
    // ... becomes an array of its own, with the same bytes.
    expect(owned.buffer.byteLength).toBe(owned.byteLength);
    expect([...owned]).toEqual([...decoded.doc]);
    expect(decodeDocument(owned)).toEqual(doc);
    // Bytes that already own their buffer are not copied again.
    expect(ownedDocumentBytes(owned)).toBe(owned);
  });

  it('give a DecodeError for bytes that are not a msgpack JSON object', () => {
    const notAnObject = [rawPackr.pack([1, 2]), rawPackr.pack('text'), rawPackr.pack(null)];
    for (const bytes of notAnObject) expect(() => decodeDocument(bytes)).toThrow(DecodeError);
    const truncated = encodeDocument({ title: 'cut short', n: 12345 }).subarray(0, 6);
    expect(() => decodeDocument(truncated)).toThrow(DecodeError);
    expect(() => decodeDocument(new Uint8Array(0))).toThrow(DecodeError);
  });

  it('are bytes in a message: a document sent as a plain object is refused by the codec', () => {
    const frame = rawPackr.pack(['WriteRequest', { index: 'books', id: 'a', doc: { title: 'not encoded' } }]);
    expect(() => decodeMessage(frame)).toThrow(/wrong shape at doc/);
    const asObject = { type: 'WriteRequest', index: 'b', id: 'a', doc: {} as EncodedDocument } as const;
    expect(() => decodeMessage(encodeMessage(asObject))).toThrow(DecodeError);
  });
});
