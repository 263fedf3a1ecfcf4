/**
 * zod schemas of the HTTP request bodies (snake_case, as the original CameoDB API) and
 * the helper that turns a failed parse into a ValidationError naming each problem.
 * @module
 */
import { z } from 'zod';
import { ValidationError, fieldTypeSchema } from '../../messages/index.js';

const MAX_DOCUMENT_ID_BYTES = 512;

/** A document id: 1 to 512 bytes of UTF-8. */
export const documentIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_DOCUMENT_ID_BYTES, {
    message: `must be at most ${MAX_DOCUMENT_ID_BYTES} bytes`,
  });

const routingKeySchema = z.string().min(1, 'must not be empty').optional();
const documentSchema = z.record(z.string(), z.unknown());

/** One document to write: `PUT /document`, `_bulk` items and NDJSON lines. */
export const documentWriteSchema = z.strictObject({
  id: documentIdSchema,
  routing_key: routingKeySchema,
  doc: documentSchema,
});
/** One document to write. */
export type DocumentWriteBody = z.infer<typeof documentWriteSchema>;

const DOCUMENT_WRITE_KEYS = new Set(['id', 'routing_key', 'doc']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * `documentWriteSchema.safeParse`, with a fast path for the valid shape: bulk requests check
 * 1000 items each on the main thread, where zod's strict object and record (which copies
 * every document) cost about 1 us per item. Anything the fast path does not accept goes to
 * zod, so errors and edge cases are zod's own; the test compares both on generated input.
 * The accepted document is the caller's object, not a copy (zod would copy its top level).
 */
export function safeParseDocumentWrite(value: unknown): z.ZodSafeParseResult<DocumentWriteBody> {
  if (isPlainObject(value)) {
    const { id, routing_key: routingKey, doc } = value;
    let known = true;
    for (const key in value) if (!DOCUMENT_WRITE_KEYS.has(key)) known = false;
    if (
      known &&
      typeof id === 'string' &&
      id.length > 0 &&
      // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only for long ids.
      (id.length * 3 <= MAX_DOCUMENT_ID_BYTES || Buffer.byteLength(id, 'utf8') <= MAX_DOCUMENT_ID_BYTES) &&
      (!('routing_key' in value) || (typeof routingKey === 'string' && routingKey.length > 0)) &&
      isPlainObject(doc)
    ) {
      return {
        success: true,
        data: typeof routingKey === 'string' ? { id, routing_key: routingKey, doc } : { id, doc },
      };
    }
  }
  return documentWriteSchema.safeParse(value);
}

/** One item of `_bulk/delete`: an id, or an id with its routing key. */
export const deleteItemSchema = z.union([
  documentIdSchema,
  z.strictObject({ id: documentIdSchema, routing_key: routingKeySchema }),
]);

/** Body of `POST /search` and `/search/stream`. */
export const searchBodySchema = z.strictObject({
  query: z.string(),
  limit: z.number().int().nonnegative().optional(),
  offset: z.number().int().nonnegative().optional(),
  fields: z.array(z.string()).optional(),
  sort: z
    .strictObject({ field: z.string().min(1), order: z.enum(['asc', 'desc']).default('asc') })
    .optional(),
  highlight: z.union([z.boolean(), z.array(z.string())]).optional(),
});
/** Body of a search. */
export type SearchBody = z.infer<typeof searchBodySchema>;

/** One field of `PUT /_config`. */
export const fieldBodySchema = z.strictObject({
  name: z.string().min(1).max(128),
  type: fieldTypeSchema,
  indexed: z.boolean().optional(),
  stored: z.boolean().optional(),
  fast: z.boolean().optional(),
  weight: z.number().positive().optional(),
});

/** Body of `PUT /_config`. */
export const configBodySchema = z.strictObject({
  name: z.string().optional(),
  fields: z.array(fieldBodySchema),
  default_search_fields: z.array(z.string()).optional(),
  routing_field: z.string().min(1).optional(),
  dynamic: z.boolean().optional(),
});
/** Body of `PUT /_config`. */
export type ConfigBody = z.infer<typeof configBodySchema>;

/** A short, readable list of the problems zod found, e.g. `limit: expected number, received string`. */
export function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses `value` with `schema`, or throws a ValidationError naming every problem. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ValidationError(`invalid ${where}: ${summary}`, { details: { issues } });
}
