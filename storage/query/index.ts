/**
 * storage/query: the query language. `parseQuery` turns a query string into an AST;
 * `planSearch` compiles the AST into parameterised SQL over one index's tables (see
 * storage/layout.ts); `highlight` marks matched words in stored text. The language is
 * described in docs/QUERY_LANGUAGE.md.
 * @module
 */
export type {
  QueryNode,
  AllNode,
  TermNode,
  PrefixNode,
  PhraseNode,
  RangeNode,
  RangeBound,
  InNode,
  ExistsNode,
  AndNode,
  OrNode,
  NotNode,
  BoostNode,
} from './ast.js';
export { ID_FIELD } from './ast.js';
export { parseQuery, QUERY_LIMITS } from './parser.js';
export { planSearch, type SearchPlan, type SearchPlanOptions, type TopPlan } from './planner.js';
export type { PhraseProbe } from './fts-expression.js';
export { bindRanking, addStatistics, NO_STATISTICS, rankingTotals, unscaledStatistics } from './ranking.js';
export { highlight, type HighlightOptions } from './highlight.js';
export { foldWord } from './tokens.js';
