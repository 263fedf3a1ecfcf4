/**
 * Which errors of LMDB, SQLite and Node mean "the disk is full".
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeBytes, isDiskFull, isIoError, isStorageFull } from '../../storage/storage-full.js';

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

describe('isDiskFull', () => {
  // What lmdb-js throws when a page write hits ENOSPC (measured on a full tmpfs): it prints
  // "Write error: No space left on device" and the commit fails with EIO.
  const lmdbFailedPageWrite = withFields('Input/output error', { code: 5 });
  let directory = '';

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'cameodb-disk-full-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('takes an I/O error for a full disk only while the file system is nearly out of space', () => {
    const free = freeBytes(directory);
    expect(free).toBeGreaterThan(0);
    // Threshold above the free space: as good as full. Below it: a real I/O failure.
    expect(isDiskFull(lmdbFailedPageWrite, directory, free + 1)).toBe(true);
    expect(isDiskFull(lmdbFailedPageWrite, directory, 0)).toBe(false);
    expect(
      isDiskFull(withFields('disk I/O error', { code: 'SQLITE_IOERR_WRITE' }), directory, free + 1),
    ).toBe(true);
  });

  it('answers for full-disk errors whatever the space, and never for other errors', () => {
    expect(isDiskFull(withFields('full', { code: 'SQLITE_FULL' }), directory, 0)).toBe(true);
    expect(isDiskFull(withFields('database is locked', { code: 'SQLITE_BUSY' }), directory, Infinity)).toBe(
      false,
    );
    expect(isDiskFull(new TypeError('x is undefined'), directory, Infinity)).toBe(false);
  });

  it('keeps an I/O error when the file system cannot be asked', () => {
    expect(isDiskFull(lmdbFailedPageWrite, join(directory, 'missing', 'path'), Infinity)).toBe(false);
  });

  it('recognises I/O errors by errno and by SQLite code', () => {
    expect(isIoError(lmdbFailedPageWrite)).toBe(true);
    expect(isIoError(withFields('read failed', { code: 'EIO', errno: -5 }))).toBe(true);
    expect(isIoError(new Error('wrapped', { cause: withFields('io', { code: 'SQLITE_IOERR_FSYNC' }) }))).toBe(
      true,
    );
    expect(isIoError(withFields('full', { code: 28 }))).toBe(false);
  });
});
