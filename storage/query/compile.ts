/**
 * Compiles a query AST into fragments: an FTS5 expression (`match`), a SQL condition on the
 * document row `d` (`where`), and a SQL score expression. Text-only subtrees stay inside
 * one FTS5 expression as long as possible (AND, OR, NOT of text clauses); only when a text
 * clause is combined with a filter under OR, or negated next to no positive text, does it
 * become a SQL condition. Scoring is described in docs/QUERY_LANGUAGE.md.
 * @module
 */
import { assertNever, ValidationError } from '../../messages/index.js';
import type { IndexLayout, ValueFieldLayout } from '../layout.js';
import type { ExistsNode, InNode, PhraseNode, PrefixNode, QueryNode, RangeNode, TermNode } from './ast.js';

import { literalValue, resolveField, type ResolvedField } from './fields.js';
import {
  anyOfExpression,
  combineExpressions,
  nearExpression,
  phraseExpression,
  subtractExpressions,
  type FtsExpression,
} from './fts-expression.js';
import { QUERY_LIMITS } from './parser.js';
import { RankingSlot } from './ranking.js';
import { words } from './tokens.js';
import { identifier, join, param, raw, sql, type Sql } from './sql-text.js';

/** Adds `factor × (−bm25 of expr)` to the score of documents matching `expr`. */
export interface ScoreTerm {
  readonly expr: FtsExpression;
  readonly factor: number;
}

/** Documents matching an FTS5 expression, and how they score. */
export interface MatchPart {
  readonly expr: FtsExpression;
  readonly terms: readonly ScoreTerm[];
}

/** A compiled subquery: the documents in `match` ∩ `where` (both null: every document). */
export interface Fragment {
  readonly match: MatchPart | null;
  readonly where: Sql | null;
  /** Score contributions already expressed in SQL (0 for non-matching documents). */
  readonly score: Sql | null;
}

/** A query node that names a field. */
type LeafNode = TermNode | PrefixNode | PhraseNode | RangeNode | InNode | ExistsNode;

const ALL: Fragment = { match: null, where: null, score: null };

/** Deepest AST compiled (parseQuery allows 32 levels of groups, each adding an and/or/not). */
const MAX_AST_DEPTH = 3 * QUERY_LIMITS.maxDepth;

/** Most scored text clauses joined as tables in one query. */
export const MAX_SCORED_TABLES = 64;

/**
 * Compiles ASTs for one layout. Text clauses that become SQL conditions with a score are
 * materialised as CTEs (`tN(doc, score)`) LEFT JOINed to `d`; `ctes` and `joins` collect them.
 */
export class QueryCompiler {
  /** CTE definitions, in order. */
  readonly ctes: Sql[] = [];
  /** LEFT JOIN clauses for the CTEs. */
  readonly joins: string[] = [];
  private readonly fts: Sql;
  private readonly weights: string;
  /**
   * The length_cache key of cameo_bm25: the table's name, as a SQL string. A table's rowid
   * always holds the same text (every document version gets a new rowid, every rebuild a
   * new table), which is what the cache needs to stay correct.
   */
  private readonly lengthCache: string;
  /** The current document's number in conditions: the FTS row's when FTS5 drives. */
  private readonly rowid: string;
  /**
   * Whether a condition reads the documents table `d` beyond its rowid (an id filter) or
   * joins on it: only a query that does not can be ranked in FTS5 alone, `d` joined for the
   * page's rows only.
   */
  needsDocsTable = false;
  private depth = 0;

  /**
   * @param probeFilters Write value filters as `EXISTS (… WHERE doc = d.rowid …)` probes
   *   instead of `d.rowid IN (SELECT doc …)` sets. Right when FTS5 drives the query (each hit
   *   is checked through the values table's `(doc)` index, instead of materialising a filter
   *   that may hold most of the index); wrong when the filter itself must drive.
   */
  constructor(
    private readonly layout: IndexLayout,
    private readonly probeFilters = false,
  ) {
    this.fts = identifier(layout.ftsTable);
    const weights = layout.textFields.map((field) => {
      if (!Number.isFinite(field.weight) || field.weight <= 0) {
        throw new ValidationError(`text field "${field.field}" has an invalid weight ${field.weight}`);
      }
      return String(field.weight);
    });
    this.weights = weights.join(', ');
    this.lengthCache = `'${layout.ftsTable.replaceAll("'", "''")}'`;
    // Probes run once per FTS5 match: naming the FTS row (not d's, equal through the join)
    // lets the planner leave the join out when nothing else needs it.
    this.rowid = probeFilters ? `${this.fts.text}.rowid` : 'd.rowid';
  }

  /**
   * The score of the current row of the FTS table matched with `expr`: −cameo_bm25 with
   * the statistics of the whole index, bound later (ranking.ts).
   */
  rank(expr: FtsExpression): Sql {
    return sql`-cameo_bm25(${this.fts}, ${param(new RankingSlot(expr.phrases))}, ${raw(this.lengthCache)}, ${raw(this.weights)})`;
  }

  /**
   * cameo_top over the FTS table matched with `expr` (exactly one phrase): the best `k`
   * rows and the number of matches in one walk, ranked as `rank(expr)` ranks them.
   */
  top(expr: FtsExpression, k: number): Sql {
    return sql`cameo_top(${this.fts}, ${param(new RankingSlot(expr.phrases))}, ${raw(this.lengthCache)}, ${param(k)}, ${raw(this.weights)})`;
  }

  /**
   * Compiles `node` with the boost `factor` accumulated from enclosing boosts. Null means
   * the clause has no words to search for (`&`, `"?!"`): it constrains nothing, so its
   * parent ignores it, and a query made only of such clauses matches nothing.
   */
  compile(node: QueryNode, factor: number): Fragment | null {
    switch (node.kind) {
      case 'all':
        return ALL;
      case 'term':
      case 'prefix':
      case 'phrase':
      case 'range':
      case 'in':
      case 'exists':
        return this.leaf(node, factor);
      case 'and':
        return this.nested(() => this.and(node.clauses, factor));
      case 'or':
        return this.nested(() => this.or(node.clauses, factor));
      case 'not': {
        const inner = this.nested(() => this.compile(node.clause, 0));
        return inner && { match: null, where: sql`NOT ${this.condition(inner)}`, score: null };
      }
      case 'boost': {
        // Factors are written into the score SQL as numbers: only finite positive ones.
        if (!Number.isFinite(node.boost) || node.boost <= 0 || node.boost > QUERY_LIMITS.maxBoost) {
          throw new ValidationError(`invalid boost ${String(node.boost)}`, {
            details: { boost: node.boost },
          });
        }
        return this.nested(() => this.compile(node.clause, factor * node.boost));
      }
      default:
        return assertNever(node, 'query node');
    }
  }

  /** Bounds recursion for ASTs that did not come from parseQuery. */
  private nested<T>(compile: () => T): T {
    this.depth += 1;
    try {
      if (this.depth > MAX_AST_DEPTH)
        throw new ValidationError(`the query is nested too deeply (at most ${MAX_AST_DEPTH} levels)`);
      return compile();
    } finally {
      this.depth -= 1;
    }
  }

  /**
   * The score of documents matching `match`, given `base` = −bm25 of the whole expression.
   * bm25 of an expression is the sum over its phrases, so boosted terms add (factor − 1)
   * times their own bm25 on top of the base.
   */
  matchScore(match: MatchPart, base: Sql): Sql {
    const factors = new Set(match.terms.map((term) => term.factor));
    if (factors.size <= 1) {
      const only = [...factors][0] ?? 1;
      return only === 1 ? base : sql`${raw(String(only))} * ${base}`;
    }
    const parts: Sql[] = [base];
    for (const factor of factors) {
      if (factor === 1) continue;
      const exprs = match.terms.filter((term) => term.factor === factor).map((term) => term.expr);
      const table = this.scoredTable(combineExpressions(exprs, 'OR'));
      parts.push(raw(`${factor - 1} * COALESCE(${table}.score, 0)`));
    }
    return join(parts, ' + ');
  }

  /** A SQL condition for `fragment`, ignoring scores (for negations). */
  condition(fragment: Fragment): Sql {
    const parts: Sql[] = [];
    if (fragment.match) {
      this.needsDocsTable = true;
      parts.push(
        sql`d.rowid IN (SELECT rowid FROM ${this.fts} WHERE ${this.fts} MATCH ${param(fragment.match.expr.text)})`,
      );
    }
    if (fragment.where) parts.push(fragment.where);
    return parts.length === 0 ? raw('1') : sql`(${join(parts, ' AND ')})`;
  }

  /** `fragment` as a SQL condition plus a SQL score (its text part becomes a scored CTE). */
  private scoredCondition(fragment: Fragment): { condition: Sql; score: Sql | null } {
    const conditions: Sql[] = [];
    const scores: Sql[] = [];
    if (fragment.match) {
      if (fragment.match.terms.every((term) => term.factor === 0)) {
        conditions.push(this.condition({ ...fragment, where: null }));
      } else {
        const table = this.scoredTable(fragment.match.expr);
        this.needsDocsTable = true;
        conditions.push(raw(`d.rowid IN (SELECT doc FROM ${table})`));
        scores.push(this.matchScore(fragment.match, raw(`COALESCE(${table}.score, 0)`)));
      }
    }
    if (fragment.where) conditions.push(fragment.where);
    if (fragment.score) scores.push(fragment.score);
    return {
      condition: conditions.length === 0 ? raw('1') : sql`(${join(conditions, ' AND ')})`,
      score: scores.length === 0 ? null : join(scores, ' + '),
    };
  }

  /** Materialises `expr`'s matches with their score as a CTE joined to `d`; returns its name. */
  private scoredTable(expr: FtsExpression): string {
    // SQLite joins at most 200 tables; a query needing this many is better refused clearly.
    if (this.ctes.length >= MAX_SCORED_TABLES) {
      throw new ValidationError(
        `the query is too complex: it combines text and filters in more than ${MAX_SCORED_TABLES} places`,
      );
    }
    const name = `t${this.ctes.length}`;
    this.ctes.push(
      sql`${raw(name)}(doc, score) AS MATERIALIZED (SELECT rowid, ${this.rank(expr)} FROM ${this.fts} WHERE ${this.fts} MATCH ${param(expr.text)})`,
    );
    this.joins.push(`LEFT JOIN ${name} ON ${name}.doc = d.rowid`);
    return name;
  }

  private and(clauses: readonly QueryNode[], factor: number): Fragment | null {
    const matches: MatchPart[] = [];
    const negatedMatches: FtsExpression[] = [];
    const wheres: Sql[] = [];
    const scores: Sql[] = [];
    const negated: Fragment[] = [];
    let empty = true;
    for (const clause of clauses) {
      if (clause.kind === 'not') {
        const inner = this.compile(clause.clause, 0);
        if (inner) negated.push(inner);
        continue;
      }
      const fragment = this.compile(clause, factor);
      if (!fragment) continue;
      empty = false;
      if (fragment.match) matches.push(fragment.match);
      if (fragment.where) wheres.push(fragment.where);
      if (fragment.score) scores.push(fragment.score);
    }
    if (empty && negated.length === 0) return null;
    for (const fragment of negated) {
      // FTS5's NOT is binary: a negated text clause folds into the FTS expression only when
      // there is a positive text clause to subtract it from.
      if (matches.length > 0 && fragment.match && !fragment.where) negatedMatches.push(fragment.match.expr);
      else wheres.push(sql`NOT ${this.condition(fragment)}`);
    }
    let match: MatchPart | null = null;
    if (matches.length > 0) {
      const positive = combineExpressions(
        matches.map((part) => part.expr),
        'AND',
      );
      const expr = negatedMatches.length > 0 ? subtractExpressions(positive, negatedMatches) : positive;
      match = { expr, terms: matches.flatMap((part) => part.terms) };
    }
    return {
      match,
      where: wheres.length === 0 ? null : sql`(${join(wheres, ' AND ')})`,
      score: scores.length === 0 ? null : join(scores, ' + '),
    };
  }

  private or(clauses: readonly QueryNode[], factor: number): Fragment | null {
    const fragments = clauses
      .map((clause) => this.compile(clause, factor))
      .filter((fragment): fragment is Fragment => fragment !== null);
    if (fragments.length === 0) return null;
    const textOnly = fragments.filter((fragment): fragment is Fragment & { match: MatchPart } =>
      isTextOnly(fragment),
    );
    // Pure text alternatives share one FTS5 expression, whatever their number.
    const text: Fragment | null =
      textOnly.length === 0
        ? null
        : {
            match: {
              expr: combineExpressions(
                textOnly.map((fragment) => fragment.match.expr),
                'OR',
              ),
              terms: textOnly.flatMap((fragment) => fragment.match.terms),
            },
            where: null,
            score: null,
          };
    const others = fragments.filter((fragment) => !isTextOnly(fragment));
    if (others.length === 0 && text) return text;
    const conditions: Sql[] = [];
    const scores: Sql[] = [];
    for (const fragment of text ? [text, ...others] : others) {
      const { condition, score } = this.scoredCondition(fragment);
      conditions.push(condition);
      // A clause scores only for documents it matches, not ones matched by a sibling.
      if (score) scores.push(sql`CASE WHEN ${condition} THEN ${score} ELSE 0 END`);
    }
    return {
      match: null,
      where: sql`(${join(conditions, ' OR ')})`,
      score: scores.length === 0 ? null : join(scores, ' + '),
    };
  }

  private leaf(node: LeafNode, factor: number): Fragment | null {
    const target = resolveField(this.layout, node.field, node.position);
    switch (target.kind) {
      case 'text': {
        const expr = this.textExpression(node, target);
        return expr === null
          ? null
          : { match: { expr, terms: [{ expr, factor }] }, where: null, score: null };
      }
      case 'value':
        return { match: null, where: this.valueCondition(node, target.layout), score: null };
      case 'id':
        return { match: null, where: this.idCondition(node), score: null };
      default:
        return assertNever(target, 'field');
    }
  }

  /** The FTS5 expression of a text clause, or null when it has no words. */
  private textExpression(
    node: LeafNode,
    target: Extract<ResolvedField, { kind: 'text' }>,
  ): FtsExpression | null {
    const where = {
      columns: target.fields.map((field) => field.column),
      fields: target.fields.map((field) => field.field),
    };
    switch (node.kind) {
      case 'term':
        return hasWords(node.text) ? phraseExpression(where, { kind: 'words', text: node.text }) : null;
      case 'prefix':
        return hasWords(node.prefix) ? phraseExpression(where, { kind: 'prefix', text: node.prefix }) : null;
      case 'phrase': {
        const words = node.text.split(/\s+/).filter(hasWords);
        if (words.length === 0) return null;
        if (node.slop === 0 || words.length < 2)
          return phraseExpression(where, { kind: 'words', text: node.text });
        if (!Number.isInteger(node.slop) || node.slop < 0 || node.slop > 1000) {
          throw new ValidationError(`invalid phrase slop ${node.slop}`, {
            details: { position: node.position },
          });
        }
        return nearExpression(where, words, node.slop);
      }
      case 'in': {
        const values = node.values.filter(hasWords);
        return values.length === 0 ? null : anyOfExpression(where, values);
      }
      case 'range':
      case 'exists':
        throw new ValidationError(
          `${node.kind === 'range' ? 'ranges and comparisons' : 'field:*'} need a non-text field, but "${node.field}" is a text field (position ${node.position})`,
          { details: { field: node.field, position: node.position } },
        );
      default:
        return assertNever(node, 'query node');
    }
  }

  private valueCondition(node: LeafNode, field: ValueFieldLayout): Sql {
    if (field.fieldNumber === undefined) {
      throw new ValidationError(
        `field "${field.field}" is not indexed, so it cannot be searched (position ${node.position})`,
        {
          details: { field: field.field, position: node.position },
        },
      );
    }
    const value = (literal: string): Sql => param(literalValue(field, literal, node.position));
    // The test on one value column, built afresh for each column so each gets its own params.
    let test: (column: Sql) => Sql | null;
    switch (node.kind) {
      case 'term':
      case 'phrase': {
        const text = node.text;
        test = (column) => sql`${column} = ${value(text)}`;
        break;
      }
      case 'prefix': {
        if (field.type !== 'string') {
          throw new ValidationError(
            `prefix queries need a text or string field, but "${field.field}" is ${field.type} (position ${node.position})`,
            {
              details: { field: field.field, position: node.position },
            },
          );
        }
        const prefix = node.prefix;
        test = (column) =>
          sql`${column} >= ${param(prefix)} AND ${column} < ${param(prefixUpperBound(prefix))}`;
        break;
      }
      case 'range': {
        const { lower, upper } = node;
        test = (column) => {
          const bounds: Sql[] = [];
          if (lower) bounds.push(sql`${column} ${raw(lower.inclusive ? '>=' : '>')} ${value(lower.value)}`);
          if (upper) bounds.push(sql`${column} ${raw(upper.inclusive ? '<=' : '<')} ${value(upper.value)}`);
          return bounds.length === 0 ? null : join(bounds, ' AND ');
        };
        break;
      }
      case 'in': {
        const values = node.values;
        test = (column) => sql`${column} IN (${join(values.map(value), ', ')})`;
        break;
      }
      case 'exists':
        test = () => null;
        break;
      default:
        return assertNever(node, 'query node');
    }
    const values = identifier(this.layout.valuesTable);
    const valueTest = test(raw('value'));
    const inValues = sql`field = ${param(field.fieldNumber)}${valueTest === null ? raw('') : sql` AND ${valueTest}`}`;
    const valuesCondition = this.probeFilters
      ? sql`EXISTS (SELECT 1 FROM ${values} WHERE doc = ${raw(this.rowid)} AND ${inValues})`
      : sql`d.rowid IN (SELECT doc FROM ${values} WHERE ${inValues})`;
    if (field.sortColumn === undefined) return valuesCondition;
    // A fast field's first value is in its sort column, not in the values table (layout.ts).
    // IS NOT NULL first: a missing value must make the test false, not NULL, or NOT would
    // drop the document instead of matching it.
    const sortCondition = (column: Sql): Sql => {
      const sortTest = test(column);
      const hasValue = sql`${column} IS NOT NULL`;
      return sortTest === null ? hasValue : sql`${hasValue} AND ${sortTest}`;
    };
    const sortColumn = identifier(field.sortColumn);
    // When FTS5 drives, probe the documents table by the FTS row (one rowid seek per match,
    // like the values probe), so the planner can still leave the join out.
    const docs = identifier(this.layout.docsTable);
    const pointTest = node.kind === 'term' || node.kind === 'phrase' || node.kind === 'in';
    const firstValue = !this.probeFilters
      ? sql`(${sortCondition(sql`d.${sortColumn}`)})`
      : pointTest
        ? // Equality: a point lookup of (value, rowid) in the sort column's index, whose pages
          // for one value stay hot across the probes of one query (a rowid lookup in the
          // documents table reads a different page for almost every match).
          sql`EXISTS (SELECT 1 FROM ${docs} AS probe INDEXED BY ${identifier(`${this.layout.docsTable}_${field.sortColumn}`)} WHERE probe.rowid = ${raw(this.rowid)} AND ${sortCondition(sql`probe.${sortColumn}`)})`
        : sql`EXISTS (SELECT 1 FROM ${docs} AS probe WHERE probe.rowid = ${raw(this.rowid)} AND ${sortCondition(sql`probe.${sortColumn}`)})`;
    // Only a field that may have had several values in one document has any in the values table.
    return field.singleValued === true ? firstValue : sql`(${firstValue} OR ${valuesCondition})`;
  }

  private idCondition(node: LeafNode): Sql {
    this.needsDocsTable = true;
    switch (node.kind) {
      case 'term':
        return sql`d.id = ${param(node.text)}`;
      case 'phrase':
        return sql`d.id = ${param(node.text)}`;
      case 'in':
        return sql`d.id IN (${join(node.values.map(param), ', ')})`;
      case 'prefix':
        return sql`(d.id >= ${param(node.prefix)} AND d.id < ${param(prefixUpperBound(node.prefix))})`;
      case 'range':
      case 'exists':
        throw new ValidationError(
          `id supports id:X, id:"X", id:pre* and id:IN [...] only (position ${node.position})`,
          {
            details: { field: 'id', position: node.position },
          },
        );
      default:
        return assertNever(node, 'query node');
    }
  }
}

function hasWords(text: string): boolean {
  return words(text).length > 0;
}

function isTextOnly(fragment: Fragment): boolean {
  return fragment.match !== null && fragment.where === null && fragment.score === null;
}

/**
 * The smallest string above every string starting with `prefix` (as SQLite compares UTF-8
 * text): the prefix followed by U+10FFFF, the highest code point (a noncharacter, so it does
 * not occur in real text).
 */
function prefixUpperBound(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
