/**
 * The closed-loop load generator shared by every workload: `concurrency` workers each run
 * one operation after another until the duration or the operation budget is spent.
 * Latency is measured per operation with a monotonic clock; failures are counted (and the
 * first one kept) instead of aborting the run, so an overloaded system shows up as errors
 * in the table rather than as a crash of the harness.
 * @module
 */
import { performance } from 'node:perf_hooks';

/** What a closed-loop run needs. */
export interface ClosedLoopOptions {
  /** Parallel workers, each with at most one operation in flight. */
  readonly concurrency: number;
  /** Stop starting new operations after this many ms (in-flight ones complete). */
  readonly durationMs: number;
  /** Stop after this many operations in total, whichever comes first. */
  readonly maxOperations?: number;
  /**
   * The operation; `sequence` is a run-wide counter starting at 0. When it resolves to a
   * number, that number (ms) is recorded instead of the operation's own duration: a probe
   * that measures only part of its work (read-your-writes) reports that part.
   */
  readonly operation: (sequence: number) => Promise<number | void>;
  /** Also stop when this returns true (checked before each operation). */
  readonly shouldStop?: () => boolean;
}

/** Raw outcome of a closed-loop run. */
export interface ClosedLoopResult {
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: unknown;
  readonly elapsedMs: number;
}

/** Runs a closed-loop load and returns the latency of every successful operation. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: unknown;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const budget = options.maxOperations ?? Number.POSITIVE_INFINITY;

  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && sequence < budget && options.shouldStop?.() !== true) {
      const mine = sequence++;
      const before = performance.now();
      try {
        const measured = await options.operation(mine);
        latenciesMs.push(typeof measured === 'number' ? measured : performance.now() - before);
      } catch (error) {
        errors++;
        if (firstError === undefined) firstError = error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { latenciesMs, errors, firstError, elapsedMs: performance.now() - started };
}
