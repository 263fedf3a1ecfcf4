/**
 * Schema evolution decided before a write is routed. The NodeOrchestrator calls this so
 * that all shards of an index learn a new field (and its type) at the same time, instead of
 * each shard inferring it from whichever document it happens to see first.
 * @module
 */
import type { IndexSchema, JsonObject, JsonValue } from '../messages/index.js';
import { RESERVED_ID_FIELD, inferFieldType } from './document-validation.js';
import { inferredField } from './index-metadata.js';

/**
 * The schema `index` needs so that `doc` adds no unknown field: a new schema when the index
 * does not exist, the current one plus the new fields (typed by their values here) when it is
 * dynamic, or `undefined` when nothing changes. Fields whose value says nothing about the
 * type (null, empty array) are left for a later document. An integer field that meets a
 * fractional number widens to f64 (a first `price: 0` must not make every later `9.99` an
 * error); widening rebuilds the index's tables on every shard.
 */
export function evolveSchema(
  current: IndexSchema | undefined,
  index: string,
  doc: JsonObject,
): IndexSchema | undefined {
  if (current !== undefined && !current.dynamic) return undefined;
  const known = new Set(current?.fields.map((field) => field.name));
  const widened = new Set<string>();
  for (const field of current?.fields ?? []) {
    if ((field.type === 'i64' || field.type === 'u64') && hasFraction(doc[field.name]))
      widened.add(field.name);
  }
  const added = [];
  for (const [name, value] of Object.entries(doc)) {
    if (name === RESERVED_ID_FIELD || known.has(name)) continue;
    const type = inferFieldType(value);
    if (type !== undefined) added.push(inferredField(name, type));
  }
  if (current === undefined) {
    return { name: index, fields: added, defaultSearchFields: [], dynamic: true, version: 1 };
  }
  if (added.length === 0 && widened.size === 0) return undefined;
  const fields = current.fields.map((field) =>
    widened.has(field.name) ? { ...field, type: 'f64' as const } : field,
  );
  return { ...current, fields: [...fields, ...added], version: current.version + 1 };
}

function hasFraction(value: JsonValue | undefined): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Number.isInteger(value);
  return Array.isArray(value) && value.some(hasFraction);
}

/**
 * The schema `index` needs so that none of `docs` adds an unknown field: what calling
 * `evolveSchema` on each document in turn gives (undefined when nothing changes), without
 * its per-document cost for the common case of documents whose fields are all known. The
 * NodeOrchestrator runs this on the main thread for every bulk request.
 */
export function evolveSchemaForAll(
  current: IndexSchema | undefined,
  index: string,
  docs: readonly JsonObject[],
): IndexSchema | undefined {
  if (current !== undefined && !current.dynamic) return undefined;
  let next = current;
  let known = new Set(next?.fields.map((field) => field.name));
  let integers = integerFields(next);
  for (const doc of docs) {
    if (next !== undefined && !mayEvolve(doc, known, integers)) continue;
    const evolved = evolveSchema(next, index, doc);
    if (evolved === undefined) continue;
    next = evolved;
    known = new Set(next.fields.map((field) => field.name));
    integers = integerFields(next);
  }
  return next === current ? undefined : next;
}

function integerFields(schema: IndexSchema | undefined): string[] {
  return (schema?.fields ?? [])
    .filter((field) => field.type === 'i64' || field.type === 'u64')
    .map((f) => f.name);
}

/** False when `evolveSchema` would certainly leave the schema as it is for `doc`. */
function mayEvolve(doc: JsonObject, known: ReadonlySet<string>, integers: readonly string[]): boolean {
  for (const name in doc) {
    if (name !== RESERVED_ID_FIELD && !known.has(name)) return true;
  }
  for (const name of integers) if (hasFraction(doc[name])) return true;
  return false;
}
