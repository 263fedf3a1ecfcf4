/**
 * The storage folder's logger. Stores take a pino logger in their options; this is the
 * default when none is given (level from CAMEODB_LOG_LEVEL, else "info").
 * @module
 */
import { pino, type Logger } from 'pino';

/** A pino logger as the storage classes use it. */
export type StorageLogger = Logger;

/** The default storage logger, created on first use. */
let defaultLogger: Logger | undefined;

/** Returns the default storage logger (stderr, JSON lines). */
export function storageLogger(): StorageLogger {
  defaultLogger ??= pino(
    { name: 'storage', level: process.env.CAMEODB_LOG_LEVEL ?? 'info' },
    pino.destination(2),
  );
  return defaultLogger;
}
