import { describe, expect, it } from '@jest/globals';
import { LatencyHistogram, seededRandom } from '../../../apps/bench/index.js';

/** The exact percentile of sorted values, with the same rank rule (ceil(p * n)). */
function exact(sorted: readonly number[], percent: number): number {
  return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length - 1e-9)) - 1]!;
}

function check(values: number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  const sorted = values.map((v) => Math.ceil(v)).sort((a, b) => a - b);
  for (const percent of [50, 90, 99, 99.9, 100]) {
    const truth = exact(sorted, percent);
    const reported = histogram.percentile(percent);
    // Never under-reported, and within one sub-bucket (1/64) above the true value.
    expect(reported).toBeGreaterThanOrEqual(truth);
    expect(reported).toBeLessThanOrEqual(Math.max(truth + 1, truth * (1 + 1 / 64)));
  }
  return histogram;
}

describe('LatencyHistogram', () => {
  it('matches the exact percentiles of a uniform distribution within 1/64', () => {
    const random = seededRandom(7);
    const histogram = check(Array.from({ length: 100_000 }, () => 1 + random() * 99_999));
    const { p50, p90, p99 } = histogram.summary();
    expect(p50 / 50_000).toBeCloseTo(1, 1);
    expect(p90 / 90_000).toBeCloseTo(1, 1);
    expect(p99 / 99_000).toBeCloseTo(1, 1);
  });

  it('matches an exponential distribution (mean 2000): p50 = ln2 * mean, p99 = ln100 * mean', () => {
    const random = seededRandom(11);
    const histogram = check(Array.from({ length: 200_000 }, () => -2000 * Math.log(1 - random())));
    const summary = histogram.summary();
    expect(Math.abs(summary.p50 - 2000 * Math.LN2) / (2000 * Math.LN2)).toBeLessThan(0.03);
    expect(Math.abs(summary.p99 - 2000 * Math.log(100)) / (2000 * Math.log(100))).toBeLessThan(0.03);
    expect(Math.abs(summary.mean - 2000) / 2000).toBeLessThan(0.02);
  });

  it('is exact for small values and a constant distribution', () => {
    const histogram = check(Array.from({ length: 1000 }, (_, i) => i % 100));
    expect(histogram.percentile(50)).toBe(49);
    const constant = new LatencyHistogram();
    constant.record(12_345, 1000);
    expect(constant.summary()).toMatchObject({
      count: 1000,
      min: 12_345,
      max: 12_345,
      p50: 12_345,
      p999: 12_345,
    });
  });

  it('keeps a long tail: one outlier in 1000 shows at p99.9 and max, not at p99', () => {
    const histogram = new LatencyHistogram();
    histogram.record(1_000, 999);
    histogram.record(5_000_000);
    expect(histogram.percentile(99)).toBeLessThan(1_020);
    expect(histogram.percentile(99.9)).toBeLessThan(1_020);
    expect(histogram.percentile(100)).toBe(5_000_000);
    histogram.record(5_000_000);
    expect(histogram.percentile(99.9)).toBeGreaterThanOrEqual(5_000_000);
  });

  it('merges, handles huge values and empty histograms, and refuses bad input', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(100, 50);
    b.record(10_000, 50);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.percentile(50)).toBe(100);
    expect(a.percentile(51)).toBeGreaterThanOrEqual(10_000);
    const huge = new LatencyHistogram();
    huge.record(2 ** 45);
    expect(huge.percentile(50)).toBe(2 ** 45);
    huge.record(2 ** 60);
    expect(huge.percentile(100)).toBe(2 ** 60);
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50: 0, max: 0, mean: 0 });
    expect(() => a.record(-1)).toThrow(RangeError);
    expect(() => a.record(Number.NaN)).toThrow(RangeError);
    expect(() => a.percentile(0)).toThrow(RangeError);
  });
});
