/**
 * Recognising a full disk in what LMDB and SQLite throw, so it reaches the client as
 * StorageFullError (507) instead of a generic storage failure that restarts the shard.
 * @module
 */

/** errno of "No space left on device" and "Disk quota exceeded" on Linux. */
const FULL_ERRNOS = new Set([28, 122]);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'MDB_MAP_FULL']);
/** LMDB's own "environment map size reached" (lmdb-js reports it by number or in the message). */
const MDB_MAP_FULL = -30792;

/**
 * True when `error`, or an error in its `cause` chain, says the disk (or LMDB's map) is
 * full: LMDB's errno 28 / MDB_MAP_FULL, SQLite's SQLITE_FULL, Node's ENOSPC / EDQUOT.
 */
export function isStorageFull(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const { code, errno } = current as Error & { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    if (typeof code === 'number' && (FULL_ERRNOS.has(code) || code === MDB_MAP_FULL)) return true;
    if (typeof errno === 'number' && (FULL_ERRNOS.has(Math.abs(errno)) || errno === MDB_MAP_FULL))
      return true;
    if (/MDB_MAP_FULL|No space left on device/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
