/**
 * Ranking parameters of a planned search. The SQL calls `cameo_bm25(fts, ?, weights…)`
 * (storage/native/cameo_bm25.c) once per scored FTS5 expression; its `?` is planned as a
 * RankingSlot naming the expression's phrases and bound, just before the SQL runs, to the
 * corpus statistics of the whole index: the statistics are gathered from every shard after
 * planning (the phrases are what to count) and before ranking.
 * @module
 */
import type { CorpusStatistics } from '../../messages/index.js';
import type { PhraseProbe } from './fts-expression.js';

/** A planned SQL parameter that becomes the statistics blob of one FTS5 expression. */
export class RankingSlot {
  constructor(readonly phrases: readonly PhraseProbe[]) {}
}

/** Every phrase the plan's rankings need counted, each key once, in first-seen order. */
export function rankedPhrases(params: readonly unknown[]): PhraseProbe[] {
  const byKey = new Map<string, PhraseProbe>();
  for (const value of params) {
    if (!(value instanceof RankingSlot)) continue;
    for (const phrase of value.phrases) if (!byKey.has(phrase.key)) byKey.set(phrase.key, phrase);
  }
  return [...byKey.values()];
}

/**
 * The plan's parameters with each RankingSlot replaced by its statistics blob (doubles
 * in this machine's byte order, as the extension reads them: documents, tokens, then each
 * phrase's document count), or by NULL to rank
 * with the shard's own statistics.
 */
export function bindRanking(params: readonly unknown[], statistics: CorpusStatistics | undefined): unknown[] {
  return params.map((value) => {
    if (!(value instanceof RankingSlot)) return value;
    if (statistics === undefined) return null;
    const values = new Float64Array(2 + value.phrases.length);
    const totals = rankingTotals(statistics);
    values[0] = totals.documents;
    values[1] = totals.tokens;
    value.phrases.forEach((phrase, position) => {
      values[2 + position] = statistics.phrases[phrase.key] ?? 0;
    });
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  });
}

/**
 * The documents and tokens a ranking is computed with: at least one of each, because
 * statistics gathered before a concurrent write may say 0 while the row now being ranked
 * exists, and the score must stay a number.
 */
export function rankingTotals(statistics: Pick<CorpusStatistics, 'documents' | 'tokens'>): {
  documents: number;
  tokens: number;
} {
  return { documents: Math.max(1, statistics.documents), tokens: Math.max(1, statistics.tokens) };
}

/**
 * Statistics whose phrases' document counts are not known yet (NaN): the extension then
 * scores each phrase's part without its inverse document frequency, for a caller that
 * learns the count from the same walk and scales afterwards (`cameo_idf`).
 */
export function unscaledStatistics(
  totals: Pick<CorpusStatistics, 'documents' | 'tokens'>,
  phrases: readonly PhraseProbe[],
): CorpusStatistics {
  return {
    documents: totals.documents,
    tokens: totals.tokens,
    phrases: Object.fromEntries(phrases.map((phrase) => [phrase.key, Number.NaN])),
  };
}

/** Adds `more` into `total` (statistics of further shards). */
export function addStatistics(total: CorpusStatistics, more: CorpusStatistics): CorpusStatistics {
  const phrases: Record<string, number> = { ...total.phrases };
  for (const [key, count] of Object.entries(more.phrases)) phrases[key] = (phrases[key] ?? 0) + count;
  return { documents: total.documents + more.documents, tokens: total.tokens + more.tokens, phrases };
}

/** Statistics of nothing: the starting point of a sum. */
export const NO_STATISTICS: CorpusStatistics = { documents: 0, tokens: 0, phrases: {} };
