/**
 * The BM25 statistics a cluster search last used, by index and query. A search that finds
 * them ranks with them at once and has every node report its own statistics with its answer
 * (from the snapshot it searched): when the reports add up to the same numbers, the pages are
 * exactly those a fresh statistics round would have given, one round trip sooner. When they
 * differ (documents written or deleted since), the search is ranked again with the reported
 * sum, which costs what the two rounds always cost.
 * @module
 */
import type { CorpusStatistics } from '../../messages/index.js';

/** Queries remembered per node; the least recently used one goes first. */
const DEFAULT_CAPACITY = 1024;

/** True when two statistics are the same numbers (documents, tokens, every phrase's count). */
export function sameStatistics(a: CorpusStatistics, b: CorpusStatistics): boolean {
  if (a.documents !== b.documents || a.tokens !== b.tokens) return false;
  const keys = Object.keys(a.phrases);
  if (keys.length !== Object.keys(b.phrases).length) return false;
  return keys.every((key) => a.phrases[key] === b.phrases[key]);
}

/** A bounded map from (index, query text) to the statistics last summed for it. */
export class StatisticsMemory {
  private readonly entries = new Map<string, CorpusStatistics>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The statistics last remembered for `query` on `index`, if any. */
  recall(index: string, query: string): CorpusStatistics | undefined {
    const key = keyOf(index, query);
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  /** Remembers the statistics summed for `query` on `index`. */
  remember(index: string, query: string, statistics: CorpusStatistics): void {
    const key = keyOf(index, query);
    this.entries.delete(key);
    this.entries.set(key, statistics);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** Number of remembered queries. */
  get size(): number {
    return this.entries.size;
  }
}

function keyOf(index: string, query: string): string {
  return `${index}\u0000${query}`;
}
