/**
 * The numbers of a workload: percentiles by the nearest-rank method, throughput, and the
 * top-10 agreement between two result lists. Pure functions, unit tested.
 * @module
 */
import { BenchInputError } from './errors.js';

/**
 * The p-th percentile (0 < p <= 100) of `sortedAscending` by the nearest-rank method:
 * the smallest value such that at least p% of the samples are <= it. Undefined for no samples.
 */
export function percentile(sortedAscending: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new BenchInputError(`percentile must be in (0, 100], got ${p}`);
  if (sortedAscending.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.max(0, rank - 1)];
}

/** Summary of one workload run on one system. Latencies in milliseconds. */
export interface LatencySummary {
  /** Successful operations. */
  readonly operations: number;
  /** Failed operations (not in the latencies). */
  readonly errors: number;
  /** Wall time of the run, ms. */
  readonly elapsedMs: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
  /** Items per second over the wall time: operations, or documents for batch workloads. */
  readonly throughputPerSecond: number;
}

/**
 * Summarises latencies (ms) of one run. `itemsPerOperation` turns batch latencies into a
 * document throughput (1000 for 1000-doc batches).
 */
export function summarize(
  latenciesMs: readonly number[],
  elapsedMs: number,
  errors = 0,
  itemsPerOperation = 1,
): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    operations: sorted.length,
    errors,
    elapsedMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
    throughputPerSecond: elapsedMs > 0 ? (sorted.length * itemsPerOperation * 1000) / elapsedMs : 0,
  };
}

/** Agreement of two top-k id lists. */
export interface Agreement {
  /** Ids present in both lists. */
  readonly shared: number;
  /** shared / size of the longer list; 1 when both are empty. */
  readonly overlap: number;
}

/** How many ids two top-k result lists share (order ignored: ties are ordered differently). */
export function topKAgreement(left: readonly string[], right: readonly string[]): Agreement {
  const leftSet = new Set(left);
  const rightSet = new Set(right);
  let shared = 0;
  for (const id of rightSet) if (leftSet.has(id)) shared++;
  const larger = Math.max(leftSet.size, rightSet.size);
  return { shared, overlap: larger === 0 ? 1 : shared / larger };
}

/** Agreement over a set of queries. */
export interface AgreementSummary {
  readonly queries: number;
  /** Mean of the per-query overlap (0..1). */
  readonly meanOverlap: number;
  /** Queries whose two top-k sets are identical. */
  readonly identical: number;
  /** Queries with no id in common while at least one side found something. */
  readonly disjoint: number;
}

/** Aggregates per-query agreements. */
export function summarizeAgreement(agreements: readonly Agreement[]): AgreementSummary {
  let sum = 0;
  let identical = 0;
  let disjoint = 0;
  for (const agreement of agreements) {
    sum += agreement.overlap;
    if (agreement.overlap === 1) identical++;
    if (agreement.overlap === 0) disjoint++;
  }
  return {
    queries: agreements.length,
    meanOverlap: agreements.length === 0 ? 0 : sum / agreements.length,
    identical,
    disjoint,
  };
}

/** Whether two systems match the same number of documents per query. */
export interface MatchCountComparison {
  readonly queries: number;
  /** Queries with the same number of matches on both sides. */
  readonly equal: number;
  /** The first few queries whose counts differ (index into the query list and both counts). */
  readonly differing: ReadonlyArray<{
    readonly index: number;
    readonly left: number;
    readonly right: number;
  }>;
}

/** Compares per-query match counts; keeps at most `examples` differing queries. */
export function compareMatchCounts(
  left: readonly number[],
  right: readonly number[],
  examples = 3,
): MatchCountComparison {
  const differing: Array<{ index: number; left: number; right: number }> = [];
  let equal = 0;
  const queries = Math.min(left.length, right.length);
  for (let index = 0; index < queries; index++) {
    const a = left[index] ?? 0;
    const b = right[index] ?? 0;
    if (a === b) equal++;
    else if (differing.length < examples) differing.push({ index, left: a, right: b });
  }
  return { queries, equal, differing };
}
