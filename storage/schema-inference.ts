/**
 * Schema evolution decided before a write is routed. The NodeOrchestrator calls this so
 * that all shards of an index learn a new field (and its type) at the same time, instead of
 * each shard inferring it from whichever document it happens to see first.
 * @module
 */
import type { IndexSchema, JsonObject } from '../messages/index.js';
import { RESERVED_ID_FIELD, inferFieldType } from './document-validation.js';
import { inferredField } from './index-metadata.js';

/**
 * The schema `index` needs so that `doc` adds no unknown field: a new schema when the index
 * does not exist, the current one plus the new fields (typed by their values here) when it is
 * dynamic, or `undefined` when nothing changes. Fields whose value says nothing about the
 * type (null, empty array) are left for a later document.
 */
export function evolveSchema(
  current: IndexSchema | undefined,
  index: string,
  doc: JsonObject,
): IndexSchema | undefined {
  if (current !== undefined && !current.dynamic) return undefined;
  const known = new Set(current?.fields.map((field) => field.name));
  const added = [];
  for (const [name, value] of Object.entries(doc)) {
    if (name === RESERVED_ID_FIELD || known.has(name)) continue;
    const type = inferFieldType(value);
    if (type !== undefined) added.push(inferredField(name, type));
  }
  if (current === undefined) {
    return { name: index, fields: added, defaultSearchFields: [], dynamic: true, version: 1 };
  }
  if (added.length === 0) return undefined;
  return { ...current, fields: [...current.fields, ...added], version: current.version + 1 };
}
