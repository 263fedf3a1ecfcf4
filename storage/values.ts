/**
 * Normalisation of non-text field values to what SQLite stores and compares. The store
 * uses it when writing `docsTable`/`valuesTable`; the query planner uses it on query
 * literals, so `year:>=2000` and a stored `2000` compare as the same kind of value.
 * @module
 */
import { FieldTypeError } from '../messages/index.js';
import type { ValueFieldLayout } from './layout.js';

/** A value as stored in SQLite. */
export type SqlValue = number | string;

// As doubles: an integral double fits i64 exactly when -2^63 <= it < 2^63 (2^63 - 1 itself is
// not a double), so the check needs no BigInt per value.
const I64_MIN = -(2 ** 63);
const I64_LIMIT = 2 ** 63;

/**
 * Converts a document value (or a query literal given as a string) to its SQLite form, or
 * throws FieldTypeError naming the field when it does not fit the type.
 */
export function normaliseValue(field: string, type: ValueFieldLayout['type'], value: unknown): SqlValue {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      break;
    case 'i64':
    case 'u64': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number === 'number' && Number.isInteger(number)) {
        if (type === 'u64' && number < 0) break;
        if (number < I64_MIN || number >= I64_LIMIT) break;
        return number;
      }
      break;
    }
    case 'f64': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number === 'number' && Number.isFinite(number)) return number;
      break;
    }
    case 'date': {
      const millis = parseDate(value);
      if (millis !== undefined) return millis;
      break;
    }
    case 'boolean':
      if (value === true || value === 'true') return 1;
      if (value === false || value === 'false') return 0;
      break;
    default: {
      const never: never = type;
      throw new FieldTypeError(`unknown field type ${String(never)}`);
    }
  }
  throw new FieldTypeError(`field "${field}" expects ${type}, got ${describe(value)}`, {
    details: { field, expected: type, got: describe(value) },
  });
}

/** Epoch milliseconds of an RFC 3339 string or an epoch number (seconds if < 1e11, else ms). */
export function parseDate(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return Math.abs(value) < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const millis = Date.parse(value);
    return Number.isNaN(millis) ? undefined : millis;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}
