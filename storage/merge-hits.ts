/**
 * Merging the top hits of several shards (or nodes) into one page. Each source answers its
 * own top `offset + limit`; the merge orders all of them the way each source ordered its
 * own, then applies the offset, so the page equals the page of one store holding everything.
 * Hits are unique by id (a document seen twice while a cluster rebalances is kept once).
 * @module
 */
import type { SearchHit, SortSpec } from '../messages/index.js';

/** One source's answer. */
export interface HitPage {
  readonly hits: readonly SearchHit[];
  readonly totalHits: number;
}

/** The merged page and the total hit count of all sources. */
export interface MergedHits {
  readonly hits: SearchHit[];
  readonly totalHits: number;
}

type SortValue = SearchHit['sortValue'];

/** What ordering hits needs: a hit, or a ranked row before its document is read. */
export interface Ranked {
  readonly id: string;
  readonly score: number;
  readonly sortValue?: SortValue;
}

function compareSortValues(a: SortValue, b: SortValue): number {
  // Missing values go last whatever the order, as in each shard's SQL (NULLS LAST).
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function byId(a: Ranked, b: Ranked): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The comparator of hits for a search: by score (desc), or by sort value then score. */
export function hitOrder(sort: SortSpec | undefined): (a: Ranked, b: Ranked) => number {
  if (sort === undefined) return (a, b) => b.score - a.score || byId(a, b);
  const direction = sort.order === 'asc' ? 1 : -1;
  return (a, b) => {
    const aMissing = a.sortValue === undefined || a.sortValue === null;
    const bMissing = b.sortValue === undefined || b.sortValue === null;
    const bySortValue =
      aMissing || bMissing
        ? compareSortValues(a.sortValue, b.sortValue)
        : direction * compareSortValues(a.sortValue, b.sortValue);
    return bySortValue || b.score - a.score || byId(a, b);
  };
}

/** Merges pages into the page `[offset, offset + limit)` of the combined ordering. */
export function mergeHits(
  pages: readonly HitPage[],
  options: { offset: number; limit: number; sort?: SortSpec },
): MergedHits {
  const all: SearchHit[] = [];
  let totalHits = 0;
  for (const page of pages) {
    totalHits += page.totalHits;
    for (const hit of page.hits) all.push(hit);
  }
  all.sort(hitOrder(options.sort));
  // While a cluster rebalances, a document may be on its old and its new owner at once:
  // keep its first hit in this order (one per id), and count it once.
  const seen = new Set<string>();
  const unique: SearchHit[] = [];
  for (const hit of all) {
    if (seen.has(hit.id)) continue;
    seen.add(hit.id);
    unique.push(hit);
  }
  totalHits -= all.length - unique.length;
  return { hits: unique.slice(options.offset, options.offset + options.limit), totalHits };
}
