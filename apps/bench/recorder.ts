/**
 * What a load run records per operation kind (write, bulk, search): latency histograms,
 * outcomes by status, units of work done (documents written, queries answered) and the
 * wall-clock window, from which throughput is computed.
 * @module
 */
import { LatencyHistogram, type HistogramSummary } from './histogram.js';

/** The result of one operation, as the workload reports it. */
export interface OperationOutcome {
  /** Operation kind: the row it is reported under. */
  readonly kind: string;
  /** HTTP status; 0 when no answer arrived (connection error). */
  readonly status: number;
  /** Units of work done: documents written for write/bulk, 1 per answered query. */
  readonly units: number;
  /** Stable error code for a failed operation (the server's `error`, or a network code). */
  readonly errorCode?: string;
  /** Items refused inside a successful bulk answer (its `errors` array). */
  readonly itemErrors?: number;
}

/** An operation the load loops run: resolves with its outcome, never rejects. */
export type Operation = () => Promise<OperationOutcome>;

/** One kind's numbers. */
export interface KindReport {
  readonly kind: string;
  readonly operations: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly units: number;
  readonly itemErrors: number;
  readonly operationsPerSecond: number;
  readonly unitsPerSecond: number;
  /** Milliseconds; open loop: from the scheduled send time (includes queueing in the client). */
  readonly latencyMs: HistogramSummary;
  /** Milliseconds from the actual send; equal to latencyMs in closed loop. */
  readonly serviceTimeMs: HistogramSummary;
  /** Failed operations by `status code` (e.g. `503 OVERLOADED`, `0 ECONNRESET`). */
  readonly errorsByStatus: Readonly<Record<string, number>>;
  /** Every answer by status, successes included. */
  readonly statusCounts: Readonly<Record<string, number>>;
}

/** Per-kind accumulators. */
class KindStats {
  readonly latency = new LatencyHistogram();
  readonly service = new LatencyHistogram();
  operations = 0;
  succeeded = 0;
  units = 0;
  itemErrors = 0;
  readonly errors = new Map<string, number>();
  readonly statuses = new Map<string, number>();
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function toMilliseconds(summary: HistogramSummary): HistogramSummary {
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    count: summary.count,
    min: ms(summary.min),
    max: ms(summary.max),
    mean: ms(summary.mean),
    p50: ms(summary.p50),
    p90: ms(summary.p90),
    p99: ms(summary.p99),
    p999: ms(summary.p999),
  };
}

/** Collects outcomes of a run; latencies are recorded in microseconds, reported in ms. */
export class LoadRecorder {
  private readonly kinds = new Map<string, KindStats>();
  private firstStart = Number.POSITIVE_INFINITY;
  private lastEnd = Number.NEGATIVE_INFINITY;

  /**
   * Records one finished operation. `intendedStartMs` is when it should have been sent
   * (open loop) and `sentMs` when it was; both on the same clock as `endMs`.
   */
  record(outcome: OperationOutcome, intendedStartMs: number, sentMs: number, endMs: number): void {
    let stats = this.kinds.get(outcome.kind);
    if (stats === undefined) {
      stats = new KindStats();
      this.kinds.set(outcome.kind, stats);
    }
    stats.operations += 1;
    stats.latency.record(Math.max(0, endMs - intendedStartMs) * 1000);
    stats.service.record(Math.max(0, endMs - sentMs) * 1000);
    increment(stats.statuses, String(outcome.status));
    if (outcome.status >= 200 && outcome.status < 300) {
      stats.succeeded += 1;
      stats.units += outcome.units;
      stats.itemErrors += outcome.itemErrors ?? 0;
    } else {
      increment(stats.errors, `${outcome.status} ${outcome.errorCode ?? 'UNKNOWN'}`);
    }
    if (intendedStartMs < this.firstStart) this.firstStart = intendedStartMs;
    if (endMs > this.lastEnd) this.lastEnd = endMs;
  }

  /** Sets the measured window explicitly (the loop's start and end), instead of first/last operation. */
  setWindow(startMs: number, endMs: number): void {
    this.firstStart = startMs;
    this.lastEnd = endMs;
  }

  /** Seconds between the start of the first operation and the end of the last one. */
  get elapsedSeconds(): number {
    return this.lastEnd > this.firstStart ? (this.lastEnd - this.firstStart) / 1000 : 0;
  }

  /** The latency histogram of a kind (for tests and custom reports). */
  latencyOf(kind: string): LatencyHistogram | undefined {
    return this.kinds.get(kind)?.latency;
  }

  /** The service-time histogram of a kind. */
  serviceTimeOf(kind: string): LatencyHistogram | undefined {
    return this.kinds.get(kind)?.service;
  }

  /** One report per kind, in first-seen order. */
  report(): KindReport[] {
    const seconds = this.elapsedSeconds;
    const rate = (n: number): number => (seconds > 0 ? Math.round((n / seconds) * 10) / 10 : 0);
    return [...this.kinds].map(([kind, stats]) => ({
      kind,
      operations: stats.operations,
      succeeded: stats.succeeded,
      failed: stats.operations - stats.succeeded,
      units: stats.units,
      itemErrors: stats.itemErrors,
      operationsPerSecond: rate(stats.operations),
      unitsPerSecond: rate(stats.units),
      latencyMs: toMilliseconds(stats.latency.summary()),
      serviceTimeMs: toMilliseconds(stats.service.summary()),
      errorsByStatus: Object.fromEntries(stats.errors),
      statusCounts: Object.fromEntries(stats.statuses),
    }));
  }
}
