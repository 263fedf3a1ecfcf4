/**
 * The hybrid logical clock on its own: stamps follow the wall clock, never go backwards when
 * it does, stay unique within a millisecond, move past received stamps (up to a bound), and
 * map to and from wall-clock time.
 */
import { describe, expect, it } from '@jest/globals';
import {
  HybridClock,
  MAX_FORWARD_MS,
  STAMPS_PER_MS,
  STAMP_EPOCH_MS,
  stampOfTime,
  timeOfStamp,
} from '../../storage/index.js';

/** A wall clock the test moves by hand. */
function manualClock(startMs: number): { now: () => number; set: (ms: number) => void } {
  let current = startMs;
  return { now: () => current, set: (ms) => (current = ms) };
}

const T = Date.UTC(2026, 10, 22, 5, 0, 0);

describe('HybridClock', () => {
  it('stamps the wall-clock millisecond in the high part and counts within it', () => {
    const wall = manualClock(T);
    const clock = new HybridClock(wall.now);
    const first = clock.next();
    expect(first).toBe((T - STAMP_EPOCH_MS) * STAMPS_PER_MS);
    expect(clock.next()).toBe(first + 1);
    expect(timeOfStamp(clock.next())).toBe(T);
    wall.set(T + 1);
    expect(clock.next()).toBe(stampOfTime(T + 1));
  });

  it('never goes backwards when the wall clock does', () => {
    const wall = manualClock(T);
    const clock = new HybridClock(wall.now);
    const before = clock.next();
    wall.set(T - 60_000);
    const after = clock.next();
    expect(after).toBe(before + 1);
  });

  it('starts above the last stamp it is given (what the shard persisted)', () => {
    const persisted = stampOfTime(T + 5_000) + 7;
    const clock = new HybridClock(() => T, persisted);
    expect(clock.next()).toBe(persisted + 1);
  });

  it('moves past a received stamp, so a later write is newer than the copy it received', () => {
    const clock = new HybridClock(() => T);
    const received = stampOfTime(T + 2_000) + 3;
    expect(clock.receive(received)).toBe(received);
    expect(clock.next()).toBe(received + 1);
    // An older stamp is taken as it is and changes nothing.
    expect(clock.receive(stampOfTime(T - 1_000))).toBe(stampOfTime(T - 1_000));
    expect(clock.next()).toBe(received + 2);
  });

  it('takes a received stamp as at most MAX_FORWARD_MS ahead of its wall clock (a broken clock sent it)', () => {
    const clock = new HybridClock(() => T);
    const bound = stampOfTime(T + MAX_FORWARD_MS);
    expect(clock.receive(stampOfTime(T + 10 * MAX_FORWARD_MS))).toBe(bound);
    expect(clock.latest()).toBe(bound);
    expect(clock.receive(Number.MAX_SAFE_INTEGER)).toBe(bound);
    expect(clock.next()).toBe(bound + 1);
  });

  it('stays below 2^53 for decades', () => {
    expect(stampOfTime(Date.UTC(2090, 0, 1))).toBeLessThan(Number.MAX_SAFE_INTEGER);
    expect(stampOfTime(STAMP_EPOCH_MS - 1_000)).toBe(0);
  });
});
