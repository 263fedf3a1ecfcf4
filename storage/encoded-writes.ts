/**
 * The storage thread's side of documents carried encoded (messages/encoded-document.ts):
 * each document of a write group is decoded here, once, off the event loop's thread.
 * @module
 */
import { decodeDocument, toCameoError, type ItemResult } from '../messages/index.js';
import type { EncodedWriteOperation, WriteOperation } from './write-group.js';

/**
 * Decodes the documents of `operations` and applies the group with `apply`. A document
 * that does not decode fails alone, as its item's error result (never the whole group);
 * results come back in the order given.
 */
export function applyEncodedWrites(
  operations: readonly EncodedWriteOperation[],
  apply: (operations: readonly WriteOperation[]) => ItemResult[],
): ItemResult[] {
  const results: ItemResult[] = new Array<ItemResult>(operations.length);
  const decoded: WriteOperation[] = [];
  const slots: number[] = [];
  operations.forEach((operation, slot) => {
    try {
      decoded.push(
        operation.kind === 'delete' ? operation : { ...operation, doc: decodeDocument(operation.doc) },
      );
      slots.push(slot);
    } catch (error) {
      const wire = toCameoError(error).toWire();
      results[slot] = { ok: false, position: operation.position, id: operation.id, error: wire };
    }
  });
  if (decoded.length > 0) apply(decoded).forEach((result, index) => (results[slots[index]!] = result));
  return results;
}
