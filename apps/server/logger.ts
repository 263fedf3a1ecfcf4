/**
 * The process logger: pino, JSON lines on stdout, ISO timestamps.
 * @module
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';

/** Creates the server's logger at the configured level. */
export function createLogger(
  level: ServerConfig['log']['level'],
  destination?: NodeJS.WritableStream,
): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}
