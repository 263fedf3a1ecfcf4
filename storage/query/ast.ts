/**
 * The query AST: what `parseQuery` produces and `planSearch`/`highlight` consume. A
 * discriminated union on `kind`. Leaves carry the 0-based `position` of their first
 * character so later errors (unknown field, a literal of the wrong type) can point at it.
 * @module
 */

/** Matches every document (`*`). */
export interface AllNode {
  readonly kind: 'all';
}

/** A single word (or a word the tokenizer splits, like `wi-fi`); `field` null means the default fields. */
export interface TermNode {
  readonly kind: 'term';
  readonly field: string | null;
  readonly text: string;
  readonly position: number;
}

/** `pre*`: words starting with `prefix`. */
export interface PrefixNode {
  readonly kind: 'prefix';
  readonly field: string | null;
  readonly prefix: string;
  readonly position: number;
}

/** `"a b"` (slop 0) or `"a b"~2` (the words within `slop` words of each other, any order). */
export interface PhraseNode {
  readonly kind: 'phrase';
  readonly field: string | null;
  readonly text: string;
  readonly slop: number;
  readonly position: number;
}

/** One end of a range. */
export interface RangeBound {
  readonly value: string;
  readonly inclusive: boolean;
}

/** `[a TO b]`, `{a TO b}`, `>x`, `>=x`, `<x`, `<=x`; a null bound is open. */
export interface RangeNode {
  readonly kind: 'range';
  readonly field: string;
  readonly lower: RangeBound | null;
  readonly upper: RangeBound | null;
  readonly position: number;
}

/** `field:IN [a b c]`: any of the values. */
export interface InNode {
  readonly kind: 'in';
  readonly field: string;
  readonly values: readonly string[];
  readonly position: number;
}

/** `field:*`: documents that have a value for the field. */
export interface ExistsNode {
  readonly kind: 'exists';
  readonly field: string;
  readonly position: number;
}

/** Every clause must match (`a b`, `a AND b`, `+a`). */
export interface AndNode {
  readonly kind: 'and';
  readonly clauses: readonly QueryNode[];
}

/** At least one clause must match (`a OR b`). */
export interface OrNode {
  readonly kind: 'or';
  readonly clauses: readonly QueryNode[];
}

/** Everything the clause does not match (`NOT a`, `-a`). */
export interface NotNode {
  readonly kind: 'not';
  readonly clause: QueryNode;
}

/** `clause^boost`: multiplies the clause's contribution to the score. */
export interface BoostNode {
  readonly kind: 'boost';
  readonly clause: QueryNode;
  readonly boost: number;
}

/** A parsed query. */
export type QueryNode =
  | AllNode
  | TermNode
  | PrefixNode
  | PhraseNode
  | RangeNode
  | InNode
  | ExistsNode
  | AndNode
  | OrNode
  | NotNode
  | BoostNode;

/** The field name that always means the document id (`id:X` is a direct lookup). */
export const ID_FIELD = 'id';
