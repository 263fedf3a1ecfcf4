/**
 * Search and count over one shard: the query module plans SQL against the index's layout
 * as recorded in SQLite, within one read transaction; hits are then joined with their stored
 * documents from LMDB (fields, highlights). LMDB is read after SQLite and is never behind it
 * (writes reach LMDB first), so a hit whose document is gone was deleted after the SQLite
 * snapshot: it is dropped rather than returned pointing at nothing.
 * @module
 */
import {
  IndexNotFoundError,
  ValidationError,
  indexName,
  type IndexSchema,
  type JsonObject,
  type SearchHit,
  type SearchSpec,
} from '../messages/index.js';
import { highlight, parseQuery, planSearch } from './query/index.js';
import type { ShardQueries } from './shard-queries.js';

/** Upper bound on offset + limit of one shard search (deep paging belongs to cursors). */
export const MAX_SEARCH_WINDOW = 10_000;

interface HitRow {
  doc: number;
  id: string;
  score: number;
  sortValue?: number | string | null;
}

/** Top hits of `spec` in one index of one shard, and the total number of matches. */
export function searchShard(
  queries: ShardQueries,
  index: string,
  spec: SearchSpec,
): { hits: SearchHit[]; totalHits: number } {
  const name = indexName(index);
  if (spec.offset + spec.limit > MAX_SEARCH_WINDOW) {
    throw new ValidationError(`offset + limit must be at most ${MAX_SEARCH_WINDOW}`, {
      details: { offset: spec.offset, limit: spec.limit },
    });
  }
  const ast = parseQuery(spec.query);
  const search = queries.search;
  const { rows, totalHits, record } = search.readTransaction(() => {
    const record = search.layoutRecord(name);
    if (record === undefined) throw new IndexNotFoundError(name);
    const plan = planSearch(ast, record.layout, {
      limit: spec.limit,
      offset: spec.offset,
      ...(spec.sort === undefined ? {} : { sort: spec.sort }),
    });
    const rows = search.statement(plan.sql).all(...plan.params) as HitRow[];
    const count = search.statement(plan.countSql).get(...plan.countParams) as
      Record<string, number> | undefined;
    return { rows, totalHits: count === undefined ? 0 : Number(Object.values(count)[0] ?? 0), record };
  });
  // After the SQLite snapshot: LMDB is then at least as new as what the hits came from.
  queries.documents.refreshSnapshot();
  const metadata = queries.documents.getIndex(name);
  if (metadata === undefined || metadata.uid !== record.uid) return { hits: [], totalHits: 0 };

  const wantFields = spec.fields === undefined || spec.fields.length > 0;
  const highlightFields =
    spec.highlight === true
      ? record.layout.defaultFields
      : spec.highlight === false || spec.highlight === undefined
        ? []
        : spec.highlight;
  const hits: SearchHit[] = [];
  let dropped = 0;
  for (const row of rows) {
    const hit: { -readonly [K in keyof SearchHit]: SearchHit[K] } = { id: row.id, score: row.score };
    if (spec.sort !== undefined) hit.sortValue = row.sortValue ?? null;
    if (wantFields || highlightFields.length > 0) {
      const found = queries.documents.getDocument(metadata.uid, row.id);
      if (found === undefined || found.stored.docNumber !== row.doc) {
        dropped += 1;
        continue;
      }
      if (wantFields) hit.fields = selectFields(found.stored.doc, metadata.schema, spec.fields);
      if (highlightFields.length > 0)
        hit.highlights = highlight(ast, found.stored.doc, highlightFields, record.layout);
    }
    hits.push(hit);
  }
  return { hits, totalHits: Math.max(0, totalHits - dropped) };
}

/** Number of documents of one index matching `query`. */
export function countShard(queries: ShardQueries, index: string, query: string): number {
  const name = indexName(index);
  const ast = parseQuery(query);
  const search = queries.search;
  return search.readTransaction(() => {
    const record = search.layoutRecord(name);
    if (record === undefined) throw new IndexNotFoundError(name);
    const plan = planSearch(ast, record.layout, { limit: 0, offset: 0 });
    const count = search.statement(plan.countSql).get(...plan.countParams) as
      Record<string, number> | undefined;
    return count === undefined ? 0 : Number(Object.values(count)[0] ?? 0);
  });
}

/** The stored fields to return: all stored ones by default, or those asked for. */
function selectFields(
  doc: JsonObject,
  schema: IndexSchema,
  fields: readonly string[] | undefined,
): JsonObject {
  const notStored = new Set(schema.fields.filter((field) => !field.stored).map((field) => field.name));
  const selected: JsonObject = {};
  for (const key of fields ?? Object.keys(doc)) {
    const value = doc[key];
    if (value !== undefined && !notStored.has(key)) selected[key] = value;
  }
  return selected;
}
