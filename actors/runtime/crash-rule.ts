/**
 * Which handler failures are crashes. A handler that throws a CameoError is answering its
 * asker with a typed failure (index not found, a bad query, a downstream timeout): that is a
 * reply, and restarting the actor would only lose good state. A crash is anything else (a
 * bug: TypeError, RangeError, ...), a missed per-message deadline, or a CameoError that says
 * the actor's own resources are broken (StorageError, INTERNAL_ERROR).
 * @module
 */
import { CameoError, StorageError } from '../../messages/index.js';

const CRASH_CODES = new Set([StorageError.code, 'INTERNAL_ERROR']);

/** True when a handler's failure should be handled by the actor's crash policy. */
export function isCrash(error: unknown): boolean {
  return !(error instanceof CameoError) || CRASH_CODES.has(error.code);
}
