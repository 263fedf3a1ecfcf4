import { describe, expect, it } from '@jest/globals';
import { mergeHits } from '../../storage/index.js';
import type { SearchHit } from '../../messages/index.js';

const hit = (id: string, score: number, sortValue?: number | string | null): SearchHit =>
  sortValue === undefined ? { id, score } : { id, score, sortValue };

describe('mergeHits', () => {
  const shardA = { hits: [hit('a1', 9), hit('a2', 5), hit('a3', 1)], totalHits: 30 };
  const shardB = { hits: [hit('b1', 7), hit('b2', 6), hit('b3', 2)], totalHits: 12 };

  it('orders by score, applies the offset after the merge and sums the totals', () => {
    const page = mergeHits([shardA, shardB], { offset: 1, limit: 3 });
    expect(page.hits.map((h) => h.id)).toEqual(['b1', 'b2', 'a2']);
    expect(page.totalHits).toBe(42);
  });

  it('equals the page of one source holding everything', () => {
    const everything = [...shardA.hits, ...shardB.hits].sort((x, y) => y.score - x.score);
    for (let offset = 0; offset < 6; offset++) {
      const merged = mergeHits([shardA, shardB], { offset, limit: 2 }).hits.map((h) => h.id);
      expect(merged).toEqual(everything.slice(offset, offset + 2).map((h) => h.id));
    }
  });

  it('breaks score ties by id, so every node merges identically', () => {
    const page = mergeHits(
      [
        { hits: [hit('z', 0), hit('m', 0)], totalHits: 2 },
        { hits: [hit('a', 0)], totalHits: 1 },
      ],
      {
        offset: 0,
        limit: 10,
      },
    );
    expect(page.hits.map((h) => h.id)).toEqual(['a', 'm', 'z']);
  });

  it('orders by sort value in both directions with missing values last', () => {
    const sources = [
      { hits: [hit('x', 1, 10), hit('y', 1, null)], totalHits: 2 },
      { hits: [hit('p', 1, 5), hit('q', 1, 20)], totalHits: 2 },
    ];
    expect(
      mergeHits(sources, { offset: 0, limit: 4, sort: { field: 'n', order: 'asc' } }).hits.map((h) => h.id),
    ).toEqual(['p', 'x', 'q', 'y']);
    expect(
      mergeHits(sources, { offset: 0, limit: 4, sort: { field: 'n', order: 'desc' } }).hits.map((h) => h.id),
    ).toEqual(['q', 'x', 'p', 'y']);
  });

  it('keeps one hit per id (a document on two nodes while a cluster rebalances), counted once', () => {
    const page = mergeHits(
      [
        { hits: [hit('moved', 3), hit('a', 2)], totalHits: 2 },
        { hits: [hit('b', 4), hit('moved', 3)], totalHits: 2 },
      ],
      { offset: 0, limit: 10 },
    );
    expect(page.hits.map((h) => h.id)).toEqual(['b', 'moved', 'a']);
    expect(page.totalHits).toBe(3);
  });
});
