/**
 * FTS5 expressions together with their phrases, in the order FTS5 numbers them (left to
 * right in the expression text). Ranking needs that list: `cameo_bm25` takes one document
 * frequency per phrase, and each phrase's frequency is counted on every shard with the
 * phrase's own standalone expression (its probe) and summed, so every shard ranks with the
 * statistics of the whole index.
 * @module
 */
import { ftsColumnFilter, ftsString } from './sql-text.js';

/** One phrase of an FTS5 expression, as counted for corpus statistics. */
export interface PhraseProbe {
  /**
   * Names the phrase the same way on every shard: field names and the phrase, never the
   * shard-local FTS column names, so counts from different shards add up.
   */
  readonly key: string;
  /** A standalone FTS5 expression matching exactly the documents that contain the phrase. */
  readonly expr: string;
}

/** An FTS5 expression and its phrases in FTS5's numbering order. */
export interface FtsExpression {
  readonly text: string;
  readonly phrases: readonly PhraseProbe[];
}

/** Where a phrase is searched: the FTS columns, and the field names that stand for them. */
export interface PhraseTarget {
  readonly columns: readonly string[];
  readonly fields: readonly string[];
}

/** The kinds of phrase a query clause produces. */
export type PhraseForm =
  { readonly kind: 'words'; readonly text: string } | { readonly kind: 'prefix'; readonly text: string };

/** One phrase searched in `target`. */
function probe(target: PhraseTarget, form: PhraseForm): PhraseProbe {
  const phrase = form.kind === 'prefix' ? `${ftsString(form.text)} *` : ftsString(form.text);
  return {
    key: `${[...target.fields].sort().join(',')}:${phrase}`,
    expr: ftsColumnFilter(target.columns) + phrase,
  };
}

/** A single phrase (a word, quoted words or a prefix) in `target`. */
export function phraseExpression(target: PhraseTarget, form: PhraseForm): FtsExpression {
  const only = probe(target, form);
  return { text: only.expr, phrases: [only] };
}

/** Words within `slop` of each other in `target`; FTS5 counts each word as a phrase. */
export function nearExpression(target: PhraseTarget, words: readonly string[], slop: number): FtsExpression {
  return {
    text: `${ftsColumnFilter(target.columns)}NEAR(${words.map(ftsString).join(' ')}, ${slop})`,
    phrases: words.map((word) => probe(target, { kind: 'words', text: word })),
  };
}

/** Any of `values` in `target`. */
export function anyOfExpression(target: PhraseTarget, values: readonly string[]): FtsExpression {
  return {
    text: `${ftsColumnFilter(target.columns)}(${values.map(ftsString).join(' OR ')})`,
    phrases: values.map((value) => probe(target, { kind: 'words', text: value })),
  };
}

/** `(a) OP (b) OP ...`, phrases in the same order. */
export function combineExpressions(parts: readonly FtsExpression[], operator: 'AND' | 'OR'): FtsExpression {
  return {
    text: parts.map((part) => `(${part.text})`).join(` ${operator} `),
    phrases: parts.flatMap((part) => part.phrases),
  };
}

/** `(positive) NOT (negated_1 OR negated_2 ...)`. */
export function subtractExpressions(
  positive: FtsExpression,
  negated: readonly FtsExpression[],
): FtsExpression {
  const excluded = combineExpressions(negated, 'OR');
  return {
    text: `(${positive.text}) NOT (${excluded.text})`,
    phrases: [...positive.phrases, ...excluded.phrases],
  };
}
