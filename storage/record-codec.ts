/**
 * The byte format of everything the shard store keeps in LMDB. lmdb bundles its own msgpackr
 * 1.x, so values are encoded here with the application's msgpackr and stored as raw bytes:
 * one encoder, one format, independent of lmdb's internals.
 * @module
 */
import { Packr } from 'msgpackr';
import { StorageError } from '../messages/index.js';

// Plain maps (no record structures): the bytes must stay readable by any future version
// without a shared structures table.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** Encodes a value for LMDB. */
export function encodeRecord(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes a value stored by `encodeRecord`; corrupt bytes become a StorageError. */
export function decodeRecord<T>(bytes: Uint8Array, what: string): T {
  try {
    return packr.unpack(bytes) as T;
  } catch (error) {
    throw new StorageError(`corrupt ${what} record in LMDB`, { cause: error });
  }
}
