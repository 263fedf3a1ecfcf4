import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadRecorder, runClosedLoop, runOpenLoop, type Operation } from '../../../apps/bench/index.js';

/**
 * A fake target that serves one request at a time in about 1 ms, except that it stalls for
 * `stallMs` once, `stallAtMs` after it was created: like a server pausing for GC or a disk.
 */
function stallingTarget(stallAtMs: number, stallMs: number): () => Operation {
  const created = performance.now();
  let busyUntil = 0;
  let stalled = false;
  return () => async () => {
    const now = performance.now();
    let start = Math.max(now, busyUntil);
    if (!stalled && start - created >= stallAtMs) {
      stalled = true;
      start += stallMs;
    }
    busyUntil = start + 1;
    await sleep(busyUntil - now);
    return { kind: 'op', status: 200, units: 1 };
  };
}

describe('open loop', () => {
  it('charges a stall to every operation scheduled during it (no coordinated omission)', async () => {
    // 200 ops/s for 1.5 s against a serial target that stalls 300 ms at t = 500 ms.
    const open = new LoadRecorder();
    const stats = await runOpenLoop({
      nextOperation: stallingTarget(500, 300),
      recorder: open,
      durationMs: 1500,
      ratePerSecond: 200,
      maxInFlight: 1,
    });
    expect(stats.started).toBe(300);
    const latency = open.latencyOf('op')!;
    const service = open.serviceTimeOf('op')!;
    expect(latency.count).toBe(300);
    // About 60 operations were due during the stall: each waited for the rest of it, so
    // about a tenth of all latencies exceed 100 ms and p90 is far above the 1 ms service.
    expect(latency.percentile(90)).toBeGreaterThan(50_000);
    expect(latency.percentile(99)).toBeGreaterThan(250_000);
    // Measured from the actual send (what a naive tool reports), only the one request
    // caught in the stall is slow: p90 stays small.
    expect(service.percentile(90)).toBeLessThan(20_000);
    expect(stats.maxSendLagMs).toBeGreaterThan(250);
  });

  it('the closed loop on the same target hides the stall behind one slow sample', async () => {
    const closed = new LoadRecorder();
    await runClosedLoop({
      nextOperation: stallingTarget(500, 300),
      recorder: closed,
      durationMs: 1500,
      concurrency: 1,
    });
    const latency = closed.latencyOf('op')!;
    expect(latency.percentile(100)).toBeGreaterThan(250_000);
    expect(latency.percentile(90)).toBeLessThan(20_000);
  });

  it('keeps its rate against a fast target and records every operation', async () => {
    const recorder = new LoadRecorder();
    const stats = await runOpenLoop({
      nextOperation: () => async () => ({ kind: 'op', status: 200, units: 2 }),
      recorder,
      durationMs: 500,
      ratePerSecond: 1000,
      maxInFlight: 64,
    });
    expect(stats.started).toBe(500);
    const [report] = recorder.report();
    expect(report).toMatchObject({ kind: 'op', operations: 500, succeeded: 500, units: 1000, failed: 0 });
    // 500 operations over about half a second.
    expect(report!.operationsPerSecond).toBeGreaterThan(700);
    expect(report!.operationsPerSecond).toBeLessThan(1100);
  });

  it('stops early on abort and on the operation budget', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const recorder = new LoadRecorder();
    const stats = await runOpenLoop({
      nextOperation: () => async () => ({ kind: 'op', status: 200, units: 1 }),
      recorder,
      durationMs: 10_000,
      ratePerSecond: 100,
      maxInFlight: 8,
      signal: controller.signal,
    });
    expect(stats.started).toBeLessThan(100);
    const budget = await runOpenLoop({
      nextOperation: () => async () => ({ kind: 'op', status: 200, units: 1 }),
      recorder: new LoadRecorder(),
      durationMs: 10_000,
      ratePerSecond: 1000,
      maxInFlight: 8,
      maxOperations: 20,
    });
    expect(budget.started).toBe(20);
  });
});

describe('closed loop and recorder', () => {
  it('runs N clients, splits outcomes by kind and counts errors by status and code', async () => {
    let n = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const recorder = new LoadRecorder();
    const stats = await runClosedLoop({
      concurrency: 4,
      durationMs: 10_000,
      maxOperations: 40,
      recorder,
      nextOperation: () => {
        const i = n++;
        return async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(2);
          inFlight -= 1;
          if (i % 10 === 9) return { kind: 'write', status: 503, units: 0, errorCode: 'OVERLOADED' };
          if (i % 2 === 0) return { kind: 'bulk', status: 200, units: 10, itemErrors: 1 };
          return { kind: 'write', status: 201, units: 1 };
        };
      },
    });
    expect(stats.started).toBe(40);
    expect(maxInFlight).toBe(4);
    const byKind = Object.fromEntries(recorder.report().map((r) => [r.kind, r]));
    expect(byKind.bulk).toMatchObject({ operations: 20, units: 200, itemErrors: 20, failed: 0 });
    expect(byKind.write).toMatchObject({ operations: 20, succeeded: 16, failed: 4, units: 16 });
    expect(byKind.write!.errorsByStatus).toEqual({ '503 OVERLOADED': 4 });
    expect(byKind.write!.statusCounts).toEqual({ '201': 16, '503': 4 });
  });
});
