/**
 * `planSearch`: a query AST to the SQL of one search on one shard. The result rows are
 * `doc, id, score[, sortValue]`; every user value is a bound parameter and the FTS5
 * expression is a single bound parameter (see sql-text.ts).
 * @module
 */
import { ValidationError, type SortSpec } from '../../messages/index.js';
import type { IndexLayout } from '../layout.js';
import type { QueryNode } from './ast.js';
import { QueryCompiler } from './compile.js';
import { resolveField } from './fields.js';
import type { PhraseProbe } from './fts-expression.js';
import { rankedPhrases } from './ranking.js';
import { identifier, join, param, raw, sql, type Sql } from './sql-text.js';

/** Paging and ordering of one search. */
export interface SearchPlanOptions {
  readonly limit: number;
  readonly offset: number;
  readonly sort?: SortSpec;
}

/**
 * The SQL of one search: the page of hits and the total hit count. Both parameter lists
 * may hold RankingSlots: bind them with `bindRanking` before running the SQL.
 */
export interface SearchPlan {
  /** Rows `doc` (document number), `id`, `score` (higher is better) and `sortValue` when sorted. */
  readonly sql: string;
  readonly params: unknown[];
  /** One row `{ total }`. */
  readonly countSql: string;
  readonly countParams: unknown[];
  /**
   * Every matching row that ties with a given row: `tieParams` then the row's score and, when
   * sorted, its sort value. Run when the page is full, so a page cut inside a run of equal
   * rows can be completed and ordered by id, the same in every layout of shards.
   */
  readonly tieSql: string;
  readonly tieParams: unknown[];
  /** The phrases whose document counts the ranking needs (corpus statistics). */
  readonly phrases: readonly PhraseProbe[];
  /**
   * The page query scores every match exactly once with one cameo_bm25 call, so right after
   * it returns a row, `SELECT cameo_ranked_rows()` is the number of matches: no count query.
   */
  readonly countedByRanking: boolean;
  /**
   * The same page and count in one walk of the matches (cameo_top), for a query that is a
   * single unboosted phrase (a word, quoted words or a prefix) with no filter or sort: the
   * most common search, and the one FTS5's row-by-row ranking costs most on.
   */
  readonly top?: TopPlan;
}

/** A page ranked by cameo_top (storage/native/cameo_bm25.c). */
export interface TopPlan {
  /**
   * One row `{ top }` holding cameo_top's result (the number of matches, then up to `limit`
   * document numbers and scores, best first), or no row when nothing matches.
   */
  readonly sql: string;
  readonly params: unknown[];
  /** Rows `{ doc, id }` of the documents whose numbers are in the JSON array bound to it. */
  readonly idsSql: string;
}

/**
 * Compiles `ast` for `layout`. Throws ValidationError for a field the layout does not have,
 * a literal that does not fit its field's type, an operation the field cannot do (a range
 * on a text field) or a sort field that is not fast.
 */
export function planSearch(ast: QueryNode, layout: IndexLayout, options: SearchPlanOptions): SearchPlan {
  checkPaging(options);
  // Compiling is cheap: do it once to learn whether FTS5 drives the query, then again with
  // filters written for that case.
  const drivenByText = new QueryCompiler(layout).compile(ast, 1)?.match != null;
  const compiler = new QueryCompiler(layout, drivenByText);
  // A query with no words at all (`&`) matches nothing.
  const fragment = compiler.compile(ast, 1) ?? { match: null, where: raw('0'), score: null };
  const docs = identifier(layout.docsTable);
  const fts = identifier(layout.ftsTable);

  const scores: Sql[] = [];
  const conditions: Sql[] = [];
  let from: Sql;
  if (fragment.match) {
    // The main path: FTS5 drives the query and bm25 of the whole expression is the base score.
    from = sql`${fts} JOIN ${docs} AS d ON d.rowid = ${fts}.rowid`;
    conditions.push(sql`${fts} MATCH ${param(fragment.match.expr.text)}`);
    scores.push(compiler.matchScore(fragment.match, compiler.rank(fragment.match.expr)));
  } else {
    from = sql`${docs} AS d`;
  }
  if (fragment.where) conditions.push(fragment.where);
  if (fragment.score) scores.push(fragment.score);
  if (compiler.joins.length > 0) from = sql`${from} ${raw(compiler.joins.join(' '))}`;

  const withClause = compiler.ctes.length === 0 ? raw('') : sql`WITH ${join(compiler.ctes, ', ')} `;
  const whereClause = conditions.length === 0 ? raw('') : sql` WHERE ${join(conditions, ' AND ')}`;
  const score = scores.length === 0 ? raw('0.0') : join(scores, ' + ');
  const sort = options.sort ? sortColumn(layout, options.sort) : null;
  const sortSelect = sort ? sql`, ${sort} AS sortValue` : raw('');
  const order = raw(orderBy(options.sort, scores.length > 0));

  if (
    fragment.match &&
    scores.length === 1 &&
    compiler.joins.length === 0 &&
    compiler.ctes.length === 0 &&
    !compiler.needsDocsTable &&
    !sort
  ) {
    // Full-text query, maybe with value filters (the common cases): rank inside FTS5 alone
    // (filters probe the values table by the FTS row) and join the documents table only for
    // the page's rows; count without the join. Every FTS row is a live document (deletes
    // remove both in one transaction), so the answers are the same and the join no longer
    // runs once per match (it was a quarter of a filtered search's time).
    const ranked = sql`SELECT ${fts}.rowid AS doc, (${score}) AS score FROM ${fts}${whereClause}`;
    const inner = sql`${ranked} ORDER BY score DESC, doc ASC LIMIT ${param(options.limit)} OFFSET ${param(options.offset)}`;
    const page = sql`SELECT t.doc AS doc, d.id AS id, t.score AS score FROM (${inner}) AS t JOIN ${docs} AS d ON d.rowid = t.doc ORDER BY t.score DESC, t.doc ASC`;
    const ties = sql`SELECT t.doc AS doc, d.id AS id, t.score AS score FROM (${ranked}) AS t JOIN ${docs} AS d ON d.rowid = t.doc WHERE t.score = ?`;
    const count = sql`SELECT count(*) AS total FROM ${fts}${whereClause}`;
    const { expr, terms } = fragment.match;
    const onePhrase = expr.phrases.length === 1 && expr.text === expr.phrases[0]?.expr;
    if (onePhrase && !fragment.where && terms.every((term) => term.factor === 1) && options.offset === 0) {
      const top = sql`SELECT ${compiler.top(expr, options.limit)} AS top FROM ${fts} WHERE ${fts} MATCH ${param(expr.text)} LIMIT 1`;
      const ids = sql`SELECT d.rowid AS doc, d.id AS id FROM ${docs} AS d WHERE d.rowid IN (SELECT value FROM json_each(?))`;
      return {
        ...plan(page, count, ties, true),
        top: { sql: top.text, params: [...top.params], idsSql: ids.text },
      };
    }
    return plan(page, count, ties, true);
  }

  const rows = sql`${withClause}SELECT d.rowid AS doc, d.id AS id, (${score}) AS score${sortSelect} FROM ${from}${whereClause}`;
  const page = sql`${rows} ORDER BY ${order} LIMIT ${param(options.limit)} OFFSET ${param(options.offset)}`;
  const ties = sql`SELECT * FROM (${rows}) WHERE score = ?${raw(sort ? ' AND sortValue IS ?' : '')}`;
  const count = sql`${withClause}SELECT count(*) AS total FROM ${from}${whereClause}`;
  return plan(page, count, ties, false);
}

function plan(page: Sql, count: Sql, ties: Sql, countedByRanking: boolean): SearchPlan {
  return {
    sql: page.text,
    params: [...page.params],
    countSql: count.text,
    countParams: [...count.params],
    tieSql: ties.text,
    tieParams: [...ties.params],
    phrases: rankedPhrases(page.params),
    countedByRanking,
  };
}

/**
 * Unsorted: best score first, ties by document number. Sorted: missing values last, ties by
 * score, then by document number in the sort's direction. Without a score the order is just
 * (sort column, rowid), which SQLite reads straight from the sort column's index.
 */
function orderBy(sort: SortSpec | undefined, scored: boolean): string {
  if (!sort) return 'score DESC, doc ASC';
  const direction = sort.order === 'desc' ? 'DESC' : 'ASC';
  return `sortValue ${direction} NULLS LAST, ${scored ? 'score DESC, ' : ''}doc ${direction}`;
}

function sortColumn(layout: IndexLayout, sort: SortSpec): Sql {
  const target = resolveField(layout, sort.field, 0);
  if (target.kind === 'id') return raw('d.id');
  if (target.kind === 'value' && target.layout.sortColumn !== undefined) {
    return raw(`d.${identifier(target.layout.sortColumn).text}`);
  }
  throw new ValidationError(`cannot sort by "${sort.field}": only fast non-text fields and id are sortable`, {
    details: { field: sort.field },
  });
}

function checkPaging(options: SearchPlanOptions): void {
  for (const key of ['limit', 'offset'] as const) {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ValidationError(`${key} must be a non-negative integer, got ${String(value)}`, {
        details: { [key]: value },
      });
    }
  }
}
