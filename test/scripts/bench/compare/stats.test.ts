import { describe, expect, it } from '@jest/globals';
import {
  compareMatchCounts,
  percentile,
  summarize,
  summarizeAgreement,
  topKAgreement,
} from '../../../../scripts/bench/compare/stats.js';
import { BenchInputError } from '../../../../scripts/bench/compare/errors.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100

  it('returns the value at rank ceil(p/100 * n)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 1)).toBe(1);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('p99 of a small sample is its maximum', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 99)).toBe(1000);
  });

  it('is undefined without samples and rejects percentiles outside (0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 0)).toThrow(BenchInputError);
    expect(() => percentile([1], 101)).toThrow(BenchInputError);
    expect(() => percentile([1], Number.NaN)).toThrow(BenchInputError);
  });
});

describe('summarize', () => {
  it('sorts, takes percentiles and computes throughput per item', () => {
    const summary = summarize([5, 1, 3, 2, 4], 1000, 2, 1000);
    expect(summary).toEqual({
      operations: 5,
      errors: 2,
      elapsedMs: 1000,
      p50Ms: 3,
      p99Ms: 5,
      maxMs: 5,
      throughputPerSecond: 5000,
    });
  });

  it('does not mutate its input and handles an empty run', () => {
    const latencies = [3, 1, 2];
    summarize(latencies, 10);
    expect(latencies).toEqual([3, 1, 2]);
    const empty = summarize([], 0);
    expect(empty.p50Ms).toBeUndefined();
    expect(empty.throughputPerSecond).toBe(0);
  });
});

describe('top-10 agreement', () => {
  it('counts shared ids regardless of order', () => {
    expect(topKAgreement(['a', 'b', 'c'], ['c', 'a', 'b'])).toEqual({ shared: 3, overlap: 1 });
    expect(topKAgreement(['a', 'b', 'c', 'd'], ['d', 'x', 'y', 'z'])).toEqual({ shared: 1, overlap: 0.25 });
  });

  it('divides by the longer list, so a missing hit counts against agreement', () => {
    expect(topKAgreement(['a', 'b'], ['a'])).toEqual({ shared: 1, overlap: 0.5 });
    expect(topKAgreement([], ['a'])).toEqual({ shared: 0, overlap: 0 });
    expect(topKAgreement([], [])).toEqual({ shared: 0, overlap: 1 });
  });

  it('summarises mean overlap, identical and disjoint queries', () => {
    const summary = summarizeAgreement([
      topKAgreement(['a'], ['a']),
      topKAgreement(['a', 'b'], ['a', 'c']),
      topKAgreement(['a'], ['b']),
    ]);
    expect(summary.queries).toBe(3);
    expect(summary.meanOverlap).toBeCloseTo((1 + 0.5 + 0) / 3, 10);
    expect(summary.identical).toBe(1);
    expect(summary.disjoint).toBe(1);
    expect(summarizeAgreement([]).meanOverlap).toBe(0);
  });
});

describe('match counts', () => {
  it('counts equal queries and keeps the first differing ones', () => {
    expect(compareMatchCounts([1, 2, 3, 4, 5], [1, 0, 3, 9, 7], 2)).toEqual({
      queries: 5,
      equal: 2,
      differing: [
        { index: 1, left: 2, right: 0 },
        { index: 3, left: 4, right: 9 },
      ],
    });
    expect(compareMatchCounts([1, 2], [1])).toEqual({ queries: 1, equal: 1, differing: [] });
  });
});
