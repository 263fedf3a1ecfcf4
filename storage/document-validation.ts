/**
 * Checks a document before anything is written: a plain JSON object, no `__proto__` key
 * anywhere (msgpackr would mangle it), `id` consistent with the document id, values that fit
 * their fields' types. Also infers the type of a field seen for the first time and extracts
 * what SQLite stores (FTS text, sort values, filter values).
 * @module
 */
import {
  FieldTypeError,
  ValidationError,
  type FieldDefinition,
  type FieldType,
  type JsonObject,
  type JsonValue,
} from '../messages/index.js';
import type { IndexLayout } from './layout.js';
import { normaliseValue, parseDate, type SqlValue } from './values.js';

const MAX_DEPTH = 64;
const MAX_FIELD_NAME = 128;
/** The document id lives outside the body; `id` in the body must agree with it. */
export const RESERVED_ID_FIELD = 'id';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Throws ValidationError unless `doc` is a JSON object body acceptable for document `id`. */
export function checkDocumentShape(id: string, doc: unknown): asserts doc is JsonObject {
  if (!isPlainObject(doc))
    throw new ValidationError(`document "${id}" must be a JSON object`, { details: { id } });
  for (const key of Object.keys(doc)) {
    if (key.length === 0 || key.length > MAX_FIELD_NAME) {
      throw new ValidationError(`document "${id}": field names must have 1-${MAX_FIELD_NAME} characters`, {
        details: { id, field: key.slice(0, 200) },
      });
    }
  }
  const bodyId = doc[RESERVED_ID_FIELD];
  if (bodyId !== undefined && bodyId !== id) {
    throw new ValidationError(
      `document "${id}": field "id" is reserved for the document id and differs from it`,
      {
        details: { id, field: RESERVED_ID_FIELD },
      },
    );
  }
  checkJsonValue(id, doc, '', 0);
}

function checkJsonValue(id: string, value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new ValidationError(`document "${id}" nests deeper than ${MAX_DEPTH} levels`, { details: { id } });
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(id, path, 'a number must be finite');
    return;
  }
  if (Array.isArray(value)) {
    // Strings, booleans and null within the depth limit need no check and no path string.
    const leavesNeedNoCheck = depth + 1 <= MAX_DEPTH;
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index];
      if (
        leavesNeedNoCheck &&
        (element === null || typeof element === 'string' || typeof element === 'boolean')
      )
        continue;
      checkJsonValue(id, element, `${path}[${index}]`, depth + 1);
    }
    return;
  }
  if (isPlainObject(value)) {
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) {
      throw invalid(
        id,
        path === '' ? '__proto__' : `${path}.__proto__`,
        'the key "__proto__" is not allowed',
      );
    }
    const leavesNeedNoCheck = depth + 1 <= MAX_DEPTH;
    for (const key of Object.keys(value)) {
      const child = value[key];
      if (leavesNeedNoCheck && (child === null || typeof child === 'string' || typeof child === 'boolean'))
        continue;
      checkJsonValue(id, child, path === '' ? key : `${path}.${key}`, depth + 1);
    }
    return;
  }
  throw invalid(id, path, `${typeof value} is not a JSON value`);
}

function invalid(id: string, path: string, reason: string): ValidationError {
  return new ValidationError(`document "${id}", field "${path}": ${reason}`, {
    details: { id, field: path },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The type a field gets from its first value; undefined when the value says nothing (null, []). */
export function inferFieldType(value: JsonValue): FieldType | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    const first = value.find((element) => element !== null);
    if (first === undefined) return undefined;
    return Array.isArray(first) ? 'json' : inferFieldType(first);
  }
  switch (typeof value) {
    case 'string':
      return RFC3339.test(value) && parseDate(value) !== undefined ? 'date' : 'text';
    case 'number':
      return Number.isInteger(value) ? 'i64' : 'f64';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/** Throws FieldTypeError (naming the document and field) unless `value` fits `field`. */
export function checkFieldValue(id: string, field: FieldDefinition, value: JsonValue): void {
  if (value === null || field.type === 'json') return;
  const elements = Array.isArray(value) ? value : [value];
  for (const element of elements) {
    if (element === null) continue;
    if (field.type === 'text') {
      if (typeof element !== 'string') throw typeError(id, field, element);
    } else if (typeof element === 'object') {
      throw typeError(id, field, element);
    } else {
      try {
        normaliseValue(field.name, field.type, element);
      } catch (error) {
        if (error instanceof FieldTypeError) {
          throw new FieldTypeError(`document "${id}": ${error.message}`, {
            details: { id, ...(error.details as object) },
          });
        }
        throw error;
      }
    }
  }
}

function typeError(id: string, field: FieldDefinition, value: JsonValue): FieldTypeError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return new FieldTypeError(`document "${id}": field "${field.name}" expects ${field.type}, got ${got}`, {
    details: { id, field: field.name, expected: field.type, got },
  });
}

/** What SQLite stores for one document under one layout. */
export interface ExtractedDocument {
  /** One entry per `layout.textFields`, in order; null when the document has no text there. */
  readonly texts: (string | null)[];
  /** One entry per sort column: `[column, value]`. */
  readonly sortValues: [string, SqlValue | null][];
  /**
   * Filter values, `[fieldNumber, value]`: every value of an indexed field without a sort
   * column; for one with a sort column, the values other than the first (which it holds).
   */
  readonly values: [number, SqlValue][];
}

/**
 * Extracts the indexed parts of a validated document. Values that do not normalise (only
 * possible when replaying an old log entry against a newer schema) are skipped, not thrown:
 * the store's schema, not old history, decides what is indexed.
 */
export function extractDocument(layout: IndexLayout, doc: JsonObject): ExtractedDocument {
  const texts = layout.textFields.map((text) => {
    const value = doc[text.field];
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) {
      const strings = value.filter((element): element is string => typeof element === 'string');
      return strings.length > 0 ? strings.join('\n') : null;
    }
    return null;
  });
  const sortValues: [string, SqlValue | null][] = [];
  const values: [number, SqlValue][] = [];
  for (const field of layout.valueFields) {
    const raw = doc[field.field];
    if (raw === undefined || raw === null) {
      if (field.sortColumn !== undefined) sortValues.push([field.sortColumn, null]);
      continue;
    }
    const normalised: SqlValue[] = [];
    for (const element of Array.isArray(raw) ? raw : [raw]) {
      if (element === null || typeof element === 'object') continue;
      try {
        normalised.push(normaliseValue(field.field, field.type, element));
      } catch {
        // Only reachable on replay of history older than the current schema (see above).
      }
    }
    const first = normalised[0];
    if (field.sortColumn !== undefined) sortValues.push([field.sortColumn, first ?? null]);
    if (field.fieldNumber !== undefined) {
      // The sort column already holds the first value and serves filters on it (layout.ts):
      // only the other values of an array need rows in the values table.
      for (const value of new Set(normalised)) {
        if (field.sortColumn === undefined || value !== first) values.push([field.fieldNumber, value]);
      }
    }
  }
  return { texts, sortValues, values };
}
