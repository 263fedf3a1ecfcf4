/**
 * Recognising a full disk in what LMDB and SQLite throw, so it reaches the client as
 * StorageFullError (507) instead of a generic storage failure that restarts the shard.
 * @module
 */
import { statfsSync } from 'node:fs';

/** errno of "No space left on device" and "Disk quota exceeded" on Linux. */
const FULL_ERRNOS = new Set([28, 122]);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'MDB_MAP_FULL']);
/** LMDB's own "environment map size reached" (lmdb-js reports it by number or in the message). */
const MDB_MAP_FULL = -30792;
/** errno of "Input/output error". */
const EIO = 5;
/**
 * Below this much free space an I/O error counts as a full disk. LMDB reports a page write
 * that failed with ENOSPC as EIO (it prints the ENOSPC to stderr and returns EIO from the
 * commit), so the error alone cannot tell a full disk from a failing one; the free space can.
 */
export const LOW_SPACE_BYTES = 16 * 1024 * 1024;

interface ErrorFields {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** `error` and the errors of its `cause` chain (at most 8), as plain field bags. */
function* causeChain(error: unknown): Generator<ErrorFields> {
  // Not `instanceof Error`: an addon's error may come from another realm (jest's module
  // registry), and a cause chain is plain objects with `code`, `errno`, `message`, `cause`.
  let current: unknown = error;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 8; depth++) {
    const fields = current as ErrorFields;
    yield fields;
    current = fields.cause;
  }
}

/**
 * True when `error`, or an error in its `cause` chain, says the disk (or LMDB's map) is
 * full: LMDB's errno 28 / MDB_MAP_FULL, SQLite's SQLITE_FULL, Node's ENOSPC / EDQUOT.
 */
export function isStorageFull(error: unknown): boolean {
  for (const { code, errno, message } of causeChain(error)) {
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    if (typeof code === 'number' && (FULL_ERRNOS.has(code) || code === MDB_MAP_FULL)) return true;
    if (typeof errno === 'number' && (FULL_ERRNOS.has(Math.abs(errno)) || errno === MDB_MAP_FULL))
      return true;
    if (typeof message === 'string' && /MDB_MAP_FULL|No space left on device/.test(message)) return true;
  }
  return false;
}

/** True when `error`, or an error in its `cause` chain, is an I/O error (EIO, SQLITE_IOERR*). */
export function isIoError(error: unknown): boolean {
  for (const { code, errno } of causeChain(error)) {
    if (code === EIO || code === 'EIO' || (typeof errno === 'number' && Math.abs(errno) === EIO)) return true;
    if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return true;
  }
  return false;
}

/** Bytes an unprivileged writer may still use on the file system holding `path`. */
export function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

/**
 * isStorageFull, or an I/O error while the file system holding `path` has less than
 * `lowSpaceBytes` free (how LMDB reports a failed page write on a full disk).
 */
export function isDiskFull(error: unknown, path: string, lowSpaceBytes = LOW_SPACE_BYTES): boolean {
  if (isStorageFull(error)) return true;
  if (!isIoError(error)) return false;
  try {
    return freeBytes(path) < lowSpaceBytes;
  } catch {
    // The file system cannot even be asked: keep the I/O error as what it is.
    return false;
  }
}
