/**
 * Errors as messages: a `WireError` is registered under the tag `Error`, so a failed ask
 * crosses the wire like any reply and is rebuilt with `errorFromWire`.
 * @module
 */
import { wireErrorSchema } from './common.js';
import { defineMessage } from './registry.js';

/** The registered definition of the `Error` message. */
export const ErrorMessage = defineMessage('Error', wireErrorSchema);
