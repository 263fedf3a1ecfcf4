/**
 * The contract between the shard store (which creates and fills SQLite tables) and the
 * query planner (which writes SQL against them). The store derives an `IndexLayout` from
 * an index's schema; the planner reads nothing but the layout.
 *
 * Tables of one index (names come from the layout, never from user input):
 * - `ftsTable`: an FTS5 table, contentless (`content=''`, `contentless_delete=1`), tokenizer
 *   `unicode61 remove_diacritics 2`, one column per text field (`textFields[i].column`),
 *   rowid = the document's number.
 * - `docsTable`: one row per live document: `rowid INTEGER PRIMARY KEY` (document number),
 *   `id TEXT NOT NULL UNIQUE` (the document id), and one sort column per fast non-text field
 *   (`valueFields[i].sortColumn`), holding the field's value (the first element for an array),
 *   each with an index named `<docsTable>_<sortColumn>` (the planner names it in `INDEXED BY`).
 * - `valuesTable`: `(field INTEGER, value ANY, doc INTEGER, PRIMARY KEY (field, value, doc))
 *   WITHOUT ROWID`, plus an index on `(doc)`: the values (array elements) of indexed non-text
 *   fields that the docs table does not hold. A field that is indexed and fast has its first
 *   value in its sort column (whose index serves filters too) and only its other distinct
 *   values here, so a filter on it tests `d.<sortColumn>` OR the values table (the sort
 *   column alone while `singleValued`); a field that is indexed but not fast has every value
 *   here. (Shards written before this rule also hold the first value here and never have
 *   `singleValued`; the OR reads both kinds alike.)
 *
 * Values are normalised the same way on write and in queries (`normaliseValue`): i64/u64/f64
 * as SQLite numbers, date as epoch milliseconds (integer), boolean as 0/1, string as TEXT.
 * @module
 */
import type { FieldType } from '../messages/index.js';

/** A text field: a column of the FTS5 table. */
export interface TextFieldLayout {
  readonly field: string;
  /** FTS5 column name: `c0`, `c1`, ... in schema order; never reused within an index. */
  readonly column: string;
  /** BM25 weight (default 1). */
  readonly weight: number;
}

/** A non-text field that is indexed (filterable) and/or fast (sortable). */
export interface ValueFieldLayout {
  readonly field: string;
  readonly type: Exclude<FieldType, 'text' | 'json'>;
  /** Stable number of the field in `valuesTable.field`; present when the field is indexed. */
  readonly fieldNumber?: number;
  /** Column of `docsTable` holding the sort value (`s0`, `s1`, ...); present when the field is fast. */
  readonly sortColumn?: string;
  /**
   * True when no document of these tables has had more than one value of this fast field,
   * so the values table holds none of its values and a filter reads the sort column alone.
   * Absent means unknown (an older shard, or a field made fast over existing documents).
   */
  readonly singleValued?: boolean;
}

/** How one index is laid out in one shard's SQLite database. */
export interface IndexLayout {
  readonly ftsTable: string;
  readonly docsTable: string;
  readonly valuesTable: string;
  readonly textFields: readonly TextFieldLayout[];
  readonly valueFields: readonly ValueFieldLayout[];
  /** Fields searched by bare terms (text fields). */
  readonly defaultFields: readonly string[];
}
