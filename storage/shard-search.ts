/**
 * Search over one shard, in three steps so a node can rank all its shards together:
 * `shardStatistics` counts what BM25 needs (documents, tokens, each query phrase's
 * documents), `rankShard` runs the planned SQL in one read transaction and returns the
 * shard's top rows ranked with the given statistics, and `shardHits` joins rows with their
 * stored documents from LMDB (fields, highlights). LMDB is read after SQLite and is never
 * behind it (writes reach LMDB first), so a row whose document is gone was deleted after
 * the SQLite snapshot: it is dropped rather than returned pointing at nothing.
 * @module
 */
import {
  IndexNotFoundError,
  ValidationError,
  indexName,
  type CorpusStatistics,
  type IndexName,
  type IndexSchema,
  type JsonObject,
  type SearchHit,
  type SearchSpec,
} from '../messages/index.js';
import {
  bindRanking,
  highlight,
  parseQuery,
  planSearch,
  rankingTotals,
  unscaledStatistics,
  type QueryNode,
  type SearchPlan,
  type TopPlan,
} from './query/index.js';
import type { LayoutRecord } from './search-index.js';
import type { ShardQueries } from './shard-queries.js';

/** Upper bound on offset + limit of one shard search (deep paging belongs to cursors). */
export const MAX_SEARCH_WINDOW = 10_000;

/** One ranked document of a shard, before its stored document is read. */
export interface RankedRow {
  readonly doc: number;
  readonly id: string;
  readonly score: number;
  readonly sortValue?: number | string | null;
}

/** A shard's top rows, its number of matches, and the layout they were ranked with. */
export interface RankedShard {
  readonly rows: RankedRow[];
  readonly totalHits: number;
  readonly record: LayoutRecord;
}

/** A shard's or node's documents and tokens (all text columns) of one index. */
export type CorpusTotals = Pick<CorpusStatistics, 'documents' | 'tokens'>;

/** Throws ValidationError when the page asked for lies beyond MAX_SEARCH_WINDOW. */
export function checkSearchWindow(spec: Pick<SearchSpec, 'offset' | 'limit'>): void {
  if (spec.offset + spec.limit > MAX_SEARCH_WINDOW) {
    throw new ValidationError(`offset + limit must be at most ${MAX_SEARCH_WINDOW}`, {
      details: { offset: spec.offset, limit: spec.limit },
    });
  }
}

function requireRecord(queries: ShardQueries, name: IndexName): LayoutRecord {
  const record = queries.search.layoutRecord(name);
  if (record === undefined) throw new IndexNotFoundError(name);
  return record;
}

/**
 * A query planned for one shard's layout, shared by the shard's statistics and its ranking
 * (planning costs about as much as a search that finds nothing). Make and use it inside one
 * read transaction: the layout record is that of the transaction's snapshot.
 */
export interface PlannedShardSearch {
  readonly record: LayoutRecord;
  readonly plan: SearchPlan;
  readonly spec: Pick<SearchSpec, 'limit' | 'sort'>;
}

/**
 * Plans `ast` for this shard's layout of `index`, asking one row more than `spec.limit`
 * (see `rankPlanned`). IndexNotFoundError when the shard does not have the index.
 */
export function planShardSearch(
  queries: ShardQueries,
  index: string,
  ast: QueryNode,
  spec: Pick<SearchSpec, 'limit' | 'sort'>,
): PlannedShardSearch {
  const record = requireRecord(queries, indexName(index));
  // One row more than asked: only when it ties with the last one does a run of equal
  // rows cross the page's end, and only then are the rest of the run fetched.
  const plan = planSearch(ast, record.layout, {
    limit: spec.limit + 1,
    offset: 0,
    ...(spec.sort === undefined ? {} : { sort: spec.sort }),
  });
  return { record, plan, spec };
}

/** This shard's documents and tokens (all text columns) in the index of a planned search. */
export function plannedTotals(queries: ShardQueries, planned: PlannedShardSearch): CorpusTotals {
  return queries.search.corpusTotals(planned.record.layout.ftsTable);
}

/** This shard's BM25 statistics for the phrases of a planned search. */
export function plannedStatistics(queries: ShardQueries, planned: PlannedShardSearch): CorpusStatistics {
  const search = queries.search;
  const totals = plannedTotals(queries, planned);
  const phrases: Record<string, number> = {};
  for (const phrase of planned.plan.phrases)
    phrases[phrase.key] = search.phraseDocuments(planned.record.layout.ftsTable, phrase.expr);
  return { documents: totals.documents, tokens: totals.tokens, phrases };
}

/** This shard's BM25 statistics for the phrases of `ast` in index `index`. */
export function shardStatistics(queries: ShardQueries, index: string, ast: QueryNode): CorpusStatistics {
  return queries.search.readTransaction(() =>
    plannedStatistics(queries, planShardSearch(queries, index, ast, { limit: 0 })),
  );
}

/**
 * The shard's top `limit` rows for `ast` (the caller merges shards and applies any offset),
 * ranked with `statistics` (undefined: the shard's own). When the last row ties with rows
 * beyond the limit, all of them are returned: which of equal rows make a page is then
 * decided by id in the merge, the same whatever shard holds them.
 */
export function rankShard(
  queries: ShardQueries,
  index: string,
  ast: QueryNode,
  spec: Pick<SearchSpec, 'limit' | 'sort'>,
  statistics: CorpusStatistics | undefined,
): RankedShard {
  return queries.search.readTransaction(() =>
    rankPlanned(queries, planShardSearch(queries, index, ast, spec), statistics),
  );
}

/** `rankShard` of a search planned in the same read transaction. */
export function rankPlanned(
  queries: ShardQueries,
  planned: PlannedShardSearch,
  statistics: CorpusStatistics | undefined,
): RankedShard {
  const search = queries.search;
  const { plan, spec } = planned;
  if (plan.top !== undefined) {
    const { rows, matches } = topRows(queries, plan.top, statistics);
    return finishRanking(queries, planned, rows, matches, statistics);
  }
  const rows = search.statement(plan.sql).all(...bindRanking(plan.params, statistics)) as RankedRow[];
  // Fewer rows than asked for are all the matches; a plan that scores every match once
  // counted them on the way. Either saves a count query (with filters it runs the whole
  // query a second time).
  const everyMatch =
    rows.length <= spec.limit
      ? rows.length
      : plan.countedByRanking
        ? (search.statement('SELECT cameo_ranked_rows() AS n').get() as { n: number }).n
        : undefined;
  return finishRanking(queries, planned, rows, everyMatch, statistics);
}

/**
 * The first step of ranking a one-phrase search (`plan.top`) whose phrase's document count
 * is not known yet: one walk returns the shard's best rows scored without the phrase's
 * inverse document frequency, ordered by that, and the number of matches, which is the
 * shard's document count of the phrase. A node sums the counts, scales with `phraseIdf`
 * and `scaleRows`, and finishes with `finishRanking`: the same rows, scores and order as
 * counting the phrase first and then ranking, in one walk instead of two.
 */
export function walkUnscaled(
  queries: ShardQueries,
  planned: PlannedShardSearch,
  totals: CorpusTotals,
): { rows: RankedRow[]; matches: number } {
  const { plan } = planned;
  if (plan.top === undefined) throw new RangeError('walkUnscaled needs a plan with a top walk');
  return topRows(queries, plan.top, unscaledStatistics(totals, plan.phrases));
}

/**
 * The inverse document frequency the extension weighs a phrase with under `statistics`
 * (`cameo_idf`: the same `log()` to the bit), for scaling rows of `walkUnscaled`: the
 * product is the score the extension gives with the count known (0.0 + idf * part).
 */
export function phraseIdf(queries: ShardQueries, statistics: CorpusStatistics, phraseKey: string): number {
  const { documents } = rankingTotals(statistics);
  const row = queries.search
    .statement('SELECT cameo_idf(?, ?) AS idf')
    .get(documents, statistics.phrases[phraseKey] ?? 0) as { idf: number };
  return row.idf;
}

/**
 * `rows` with each score multiplied by `idf`, best first and equal scores by document
 * number: rows whose scores differ only in the last bits can become equal once scaled.
 */
export function scaleRows(rows: readonly RankedRow[], idf: number): RankedRow[] {
  return rows
    .map((row) => ({ ...row, score: idf * row.score }))
    .sort((a, b) => b.score - a.score || a.doc - b.doc);
}

/**
 * A shard's rank-ordered candidate rows (at most `spec.limit + 1`) completed: when the last
 * row of the page ties with the row beyond it, every tying row is fetched (the merge orders
 * them by id); else the page is cut to `spec.limit`. `everyMatch` is the number of matches
 * when already known; otherwise it is counted.
 */
export function finishRanking(
  queries: ShardQueries,
  planned: PlannedShardSearch,
  candidates: RankedRow[],
  everyMatch: number | undefined,
  statistics: CorpusStatistics | undefined,
): RankedShard {
  const search = queries.search;
  const { record, plan, spec } = planned;
  let rows = candidates;
  const last = rows[spec.limit - 1];
  const beyond = rows[spec.limit];
  const tiesLast = (row: RankedRow): boolean =>
    last !== undefined &&
    row.score === last.score &&
    (spec.sort === undefined || (row.sortValue ?? null) === (last.sortValue ?? null));
  if (last !== undefined && beyond !== undefined && tiesLast(beyond)) {
    const tieKey = spec.sort === undefined ? [last.score] : [last.score, last.sortValue ?? null];
    const tied = search
      .statement(plan.tieSql)
      .all(...bindRanking(plan.tieParams, statistics), ...tieKey) as RankedRow[];
    rows = [...rows.filter((row) => !tiesLast(row)), ...tied];
  } else {
    rows = rows.slice(0, spec.limit);
  }
  if (everyMatch !== undefined) return { rows, totalHits: everyMatch, record };
  const count = search.statement(plan.countSql).get(...bindRanking(plan.countParams, statistics)) as
    Record<string, number> | undefined;
  return { rows, totalHits: count === undefined ? 0 : Number(Object.values(count)[0] ?? 0), record };
}

/**
 * The rows of a page ranked by cameo_top, in its order, with their ids, and the number of
 * matches. A row whose document number has no document is left out, as the join of the
 * SQL page leaves it out.
 */
function topRows(
  queries: ShardQueries,
  top: TopPlan,
  statistics: CorpusStatistics | undefined,
): { rows: RankedRow[]; matches: number } {
  const search = queries.search;
  const result = search.statement(top.sql).get(...bindRanking(top.params, statistics)) as
    { top: Buffer } | undefined;
  if (result === undefined) return { rows: [], matches: 0 };
  // [matches, doc_0, score_0, doc_1, score_1, ...] as doubles; copied out to align them.
  const values = new Float64Array(new Uint8Array(result.top).buffer);
  const ranked: { doc: number; score: number }[] = [];
  for (let at = 1; at + 1 < values.length; at += 2) ranked.push({ doc: values[at]!, score: values[at + 1]! });
  if (ranked.length === 0) return { rows: [], matches: values[0] ?? 0 };
  const ids = new Map(
    (
      search.statement(top.idsSql).all(JSON.stringify(ranked.map((row) => row.doc))) as {
        doc: number;
        id: string;
      }[]
    ).map((row) => [row.doc, row.id]),
  );
  const rows: RankedRow[] = [];
  for (const row of ranked) {
    const id = ids.get(row.doc);
    if (id !== undefined) rows.push({ doc: row.doc, id, score: row.score });
  }
  return { rows, matches: values[0] ?? 0 };
}

/**
 * Hits for `rows` of one shard, in their order, with stored fields and highlights as `spec`
 * asks; `dropped` counts rows whose document was deleted since they were ranked.
 */
export function shardHits(
  queries: ShardQueries,
  ranked: Pick<RankedShard, 'record'> & { readonly rows: readonly RankedRow[] },
  ast: QueryNode,
  spec: SearchSpec,
): { hits: SearchHit[]; dropped: number } {
  const { record } = ranked;
  // After the SQLite snapshot: LMDB is then at least as new as what the rows came from.
  queries.documents.refreshSnapshot();
  const metadata = queries.documents.getIndex(record.name as IndexName);
  if (metadata === undefined || metadata.uid !== record.uid) return { hits: [], dropped: ranked.rows.length };

  const wantFields = spec.fields === undefined || spec.fields.length > 0;
  const highlightFields =
    spec.highlight === true
      ? record.layout.defaultFields
      : spec.highlight === false || spec.highlight === undefined
        ? []
        : spec.highlight;
  const hits: SearchHit[] = [];
  let dropped = 0;
  for (const row of ranked.rows) {
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
  return { hits, dropped };
}

/** Number of documents of one index matching `query`. */
export function countShard(queries: ShardQueries, index: string, query: string): number {
  const name = indexName(index);
  const ast = parseQuery(query);
  const search = queries.search;
  return search.readTransaction(() => {
    const record = requireRecord(queries, name);
    const plan = planSearch(ast, record.layout, { limit: 0, offset: 0 });
    const count = search.statement(plan.countSql).get(...bindRanking(plan.countParams, undefined)) as
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
