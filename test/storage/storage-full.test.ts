/**
 * Which errors of LMDB, SQLite and Node mean "the disk is full".
 */
import { describe, expect, it } from '@jest/globals';
import { isStorageFull } from '../../storage/storage-full.js';

function withFields(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('isStorageFull', () => {
  it('recognises LMDB, SQLite and Node full-disk errors, also as a cause', () => {
    // What lmdb-js throws on a full tmpfs (measured): errno in `code`.
    expect(isStorageFull(withFields('No space left on device: Attempting to write page', { code: 28 }))).toBe(
      true,
    );
    expect(
      isStorageFull(withFields('MDB_MAP_FULL: Environment mapsize limit reached', { code: -30792 })),
    ).toBe(true);
    expect(isStorageFull(withFields('database or disk is full', { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageFull(withFields('write failed', { code: 'ENOSPC', errno: -28 }))).toBe(true);
    expect(isStorageFull(withFields('quota', { code: 'EDQUOT' }))).toBe(true);
    expect(
      isStorageFull(new Error('group failed', { cause: withFields('full', { code: 'SQLITE_FULL' }) })),
    ).toBe(true);
    // An addon's error from another realm (jest's module registry) is not `instanceof Error` here.
    const foreign = { name: 'SqliteError', message: 'database or disk is full', code: 'SQLITE_FULL' };
    expect(isStorageFull(foreign)).toBe(true);
    expect(isStorageFull(new Error('wrapped', { cause: foreign }))).toBe(true);
  });

  it('does not take other failures for a full disk', () => {
    expect(isStorageFull(withFields('Input/output error', { code: 5 }))).toBe(false);
    expect(isStorageFull(withFields('disk I/O error', { code: 'SQLITE_IOERR_WRITE' }))).toBe(false);
    expect(isStorageFull(withFields('database is locked', { code: 'SQLITE_BUSY' }))).toBe(false);
    expect(isStorageFull(new TypeError('x is undefined'))).toBe(false);
    expect(isStorageFull('No space left on device')).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
  });
});
