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
  // Not `instanceof Error`: an addon's error may come from another realm (jest's module
  // registry), and a cause chain is plain objects with `code`, `errno`, `message`, `cause`.
  let current: unknown = error;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 8; depth++) {
    const { code, errno, message, cause } = current as {
      code?: unknown;
      errno?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    if (typeof code === 'number' && (FULL_ERRNOS.has(code) || code === MDB_MAP_FULL)) return true;
    if (typeof errno === 'number' && (FULL_ERRNOS.has(Math.abs(errno)) || errno === MDB_MAP_FULL))
      return true;
    if (typeof message === 'string' && /MDB_MAP_FULL|No space left on device/.test(message)) return true;
    current = cause;
  }
  return false;
}
