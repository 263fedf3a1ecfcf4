/**
 * A log-linear latency histogram in the manner of HdrHistogram: values (integers, here
 * microseconds) are counted in buckets whose width doubles every power of two, each power
 * split into 64 linear sub-buckets, so every recorded value is kept within 1/64 (1.6%) of
 * its true value over the whole range, with constant memory and O(1) recording. A
 * percentile is answered with the highest value of the bucket it falls in (as HdrHistogram
 * does), clamped to the true maximum, so percentiles are never under-reported.
 * `hdr-histogram-js` is not installed here; this is the small subset the load tool needs.
 * @module
 */

/** Values below this are counted exactly (one bucket per value). */
const EXACT_LIMIT = 128;
/** Linear sub-buckets per power of two above EXACT_LIMIT. */
const SUB_BUCKETS = 64;
/** Largest power of two covered with full precision (the safe-integer range); above it, the last bucket. */
const MAX_EXPONENT = 52;
const BUCKETS = EXACT_LIMIT + (MAX_EXPONENT - 6) * SUB_BUCKETS;

/** Summary of a histogram: count, extremes, mean and the usual percentiles. */
export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

/** Bucket index of a non-negative integer value. */
function indexOf(value: number): number {
  if (value < EXACT_LIMIT) return value;
  // Position of the highest set bit; Math.clz32 only covers 32 bits, so use log2 for larger values.
  const exponent = value < 2 ** 32 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  const shift = Math.min(exponent, MAX_EXPONENT) - 6;
  const sub = Math.min(Math.floor(value / 2 ** shift), 2 * SUB_BUCKETS - 1) - SUB_BUCKETS;
  return Math.min(EXACT_LIMIT + (shift - 1) * SUB_BUCKETS + sub, BUCKETS - 1);
}

/** Highest value that maps to a bucket index. */
function highestValueOf(index: number): number {
  if (index < EXACT_LIMIT) return index;
  const shift = Math.floor((index - EXACT_LIMIT) / SUB_BUCKETS) + 1;
  const sub = ((index - EXACT_LIMIT) % SUB_BUCKETS) + SUB_BUCKETS;
  return (sub + 1) * 2 ** shift - 1;
}

/** A log-linear histogram of non-negative values (fractions are rounded up). */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = 0;

  /** Records one value (`count` times). Negative and non-finite values are a RangeError. */
  record(value: number, count = 1): void {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`cannot record ${value} in a histogram`);
    const rounded = Math.ceil(value);
    this.counts[indexOf(rounded)]! += count;
    this.total += count;
    this.sum += rounded * count;
    if (rounded < this.minimum) this.minimum = rounded;
    if (rounded > this.maximum) this.maximum = rounded;
  }

  /** Adds every value of another histogram. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i += 1) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.minimum = Math.min(this.minimum, other.minimum);
    this.maximum = Math.max(this.maximum, other.maximum);
  }

  /** Number of recorded values. */
  get count(): number {
    return this.total;
  }

  /**
   * The value at a percentile (0-100]: the smallest bucket holding at least that share of
   * the values, as its highest value (never above the recorded maximum). 0 when empty.
   */
  percentile(percent: number): number {
    if (!(percent > 0 && percent <= 100))
      throw new RangeError(`percentile must be in (0, 100], got ${percent}`);
    if (this.total === 0) return 0;
    // The epsilon keeps 99.9% of 1000 at rank 999 despite binary floating point (999.0000000000001).
    const rank = Math.max(1, Math.ceil((percent / 100) * this.total - 1e-9));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i += 1) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === BUCKETS - 1 ? this.maximum : Math.min(highestValueOf(i), this.maximum);
    }
    return this.maximum;
  }

  /** Count, min, max, mean and p50/p90/p99/p99.9. */
  summary(): HistogramSummary {
    const empty = this.total === 0;
    return {
      count: this.total,
      min: empty ? 0 : this.minimum,
      max: this.maximum,
      mean: empty ? 0 : this.sum / this.total,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
    };
  }
}
