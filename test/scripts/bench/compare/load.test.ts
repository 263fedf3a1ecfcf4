import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { runClosedLoop } from '../../../../scripts/bench/compare/load.js';
import { BenchRequestError } from '../../../../scripts/bench/compare/errors.js';

describe('closed-loop runner', () => {
  it('runs exactly the operation budget with the given concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const result = await runClosedLoop({
      concurrency: 4,
      durationMs: 10_000,
      maxOperations: 20,
      operation: async (sequence) => {
        seen.push(sequence);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep(2);
        inFlight--;
      },
    });
    expect(result.latenciesMs).toHaveLength(20);
    expect(result.errors).toBe(0);
    expect(peak).toBe(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    for (const latency of result.latenciesMs) expect(latency).toBeGreaterThanOrEqual(1);
  });

  it('stops at the duration and counts failures without aborting', async () => {
    const result = await runClosedLoop({
      concurrency: 2,
      durationMs: 60,
      operation: async (sequence) => {
        await sleep(5);
        if (sequence % 2 === 0) throw new BenchRequestError(`failure ${sequence}`);
      },
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(60);
    expect(result.elapsedMs).toBeLessThan(1000);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.firstError).toBeInstanceOf(BenchRequestError);
    expect(Math.abs(result.errors - result.latenciesMs.length)).toBeLessThanOrEqual(2);
  });

  it('records the number an operation returns instead of its duration, and honours shouldStop', async () => {
    let stop = false;
    const result = await runClosedLoop({
      concurrency: 1,
      durationMs: Number.POSITIVE_INFINITY,
      shouldStop: () => stop,
      operation: async (sequence) => {
        if (sequence === 4) stop = true;
        await sleep(1);
        return 0.25;
      },
    });
    expect(result.latenciesMs).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
  });
});
