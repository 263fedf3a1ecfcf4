/**
 * The two ways of generating load.
 *
 * Closed loop: N clients, each sends its next operation as soon as the previous one is
 * answered. Measures the most the target sustains, but a slow answer also delays the
 * operations that client would have sent meanwhile, so latency percentiles under-report
 * stalls ("coordinated omission").
 *
 * Open loop: operations are due at a fixed rate (the i-th at start + i / rate) whatever
 * the target does, and latency is measured from that scheduled time, not from the moment
 * the client managed to send. When the target stalls, the operations that pile up (in
 * flight, or waiting for an in-flight slot) all carry the stall in their latency. The
 * time from the actual send is kept separately as the service time.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadRecorder, Operation } from './recorder.js';

/** A monotonic clock in milliseconds (injectable for tests). */
export type Clock = () => number;

/** performance.now(): monotonic, sub-millisecond. */
export const monotonicClock: Clock = () => performance.now();

/** Options shared by both loops. */
interface LoopOptions {
  /** Produces the next operation (called once per operation, in send order). */
  readonly nextOperation: () => Operation;
  readonly recorder: LoadRecorder;
  /** How long new operations are started; in-flight ones are awaited after it. */
  readonly durationMs: number;
  /** Stop after this many operations even before durationMs. */
  readonly maxOperations?: number;
  /** Stops starting new operations. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/** Options of runClosedLoop. */
export interface ClosedLoopOptions extends LoopOptions {
  readonly concurrency: number;
}

/** Options of runOpenLoop. */
export interface OpenLoopOptions extends LoopOptions {
  /** Operations per second. */
  readonly ratePerSecond: number;
  /** Most operations in flight; due operations beyond it wait (their latency keeps counting). */
  readonly maxInFlight: number;
}

/** What a loop did besides the recorded outcomes. */
export interface LoopStats {
  readonly started: number;
  readonly elapsedMs: number;
  /** Open loop: the latest any operation was sent after its scheduled time (ms). */
  readonly maxSendLagMs: number;
}

/** Runs `concurrency` clients back to back until the duration or the operation budget ends. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoopStats> {
  const clock = options.clock ?? monotonicClock;
  const start = clock();
  const end = start + options.durationMs;
  const budget = options.maxOperations ?? Number.POSITIVE_INFINITY;
  let started = 0;
  const client = async (): Promise<void> => {
    while (started < budget && clock() < end && options.signal?.aborted !== true) {
      started += 1;
      const operation = options.nextOperation();
      const sent = clock();
      const outcome = await operation();
      options.recorder.record(outcome, sent, sent, clock());
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const finished = clock();
  options.recorder.setWindow(start, finished);
  return { started, elapsedMs: finished - start, maxSendLagMs: 0 };
}

/** Sends operations at a fixed rate; latency counts from each operation's scheduled time. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoopStats> {
  if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
  const clock = options.clock ?? monotonicClock;
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.min(
    Math.floor((options.durationMs * options.ratePerSecond) / 1000),
    options.maxOperations ?? Number.POSITIVE_INFINITY,
  );
  const start = clock();
  const inFlight = new Set<Promise<void>>();
  let maxSendLagMs = 0;
  let started = 0;
  // Resolved whenever an operation finishes, to wake a sender waiting for a free slot.
  let slotFreed: (() => void) | undefined;

  const launch = (scheduled: number): void => {
    const operation = options.nextOperation();
    const sent = clock();
    maxSendLagMs = Math.max(maxSendLagMs, sent - scheduled);
    // A burst may send up to a millisecond early: time from whichever came first.
    const intended = Math.min(scheduled, sent);
    const running = operation().then((outcome) => {
      options.recorder.record(outcome, intended, sent, clock());
      inFlight.delete(running);
      slotFreed?.();
    });
    inFlight.add(running);
  };

  while (started < total && options.signal?.aborted !== true) {
    const scheduled = start + started * intervalMs;
    const wait = scheduled - clock();
    // Timers fire no more often than about every millisecond: operations due within the
    // next millisecond go out now, in one burst, each still timed from its own schedule.
    if (wait > 1) await sleep(wait - 0.5);
    while (inFlight.size >= options.maxInFlight) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
      slotFreed = undefined;
    }
    launch(scheduled);
    started += 1;
  }
  await Promise.all(inFlight);
  const finished = clock();
  options.recorder.setWindow(start, finished);
  return { started, elapsedMs: finished - start, maxSendLagMs };
}
