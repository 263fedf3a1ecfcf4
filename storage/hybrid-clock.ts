/**
 * Hybrid logical clock stamps: an order between two copies of one document written on
 * different nodes, without a central clock (rebalancing keeps the newer copy, see
 * docs/CLUSTER.md). A stamp is one safe integer, `(wall ms - STAMP_EPOCH_MS) * 4096 +
 * logical`: the wall-clock millisecond in the high part, a counter in the low 12 bits.
 * 12 bits, not 16, so stamps stay below 2^53 until 2094 (16 bits would last 4 years); 4096
 * stamps per millisecond per shard is above any write rate a shard reaches, and more simply
 * carry into the next millisecond (stamps stay unique and ordered). One clock per shard
 * writer: it never goes backwards (`max(wall, last + 1)`), it starts above the last stamp
 * it persisted, and it moves past every stamp it receives (`receive`), so a write made after
 * a copy was received here gets a larger stamp than that copy.
 * @module
 */

/** Bits of a stamp that count within one millisecond. */
export const LOGICAL_BITS = 12;
/** Stamps per millisecond: the factor between a wall-clock millisecond and a stamp. */
export const STAMPS_PER_MS = 2 ** LOGICAL_BITS;
/** The wall-clock time of stamp 0 (2025-01-01T00:00:00Z). */
export const STAMP_EPOCH_MS = Date.UTC(2025, 0, 1);
/**
 * How far ahead of this machine's clock a received stamp may be (1 day). A stamp further
 * ahead comes from a broken clock: it is taken as this far ahead, since following it would
 * turn every later stamp here into a counter run-up toward 2^53.
 */
export const MAX_FORWARD_MS = 24 * 3600_000;

/** The first stamp of a wall-clock millisecond (0 for times before the epoch). */
export function stampOfTime(ms: number): number {
  return Math.max(0, Math.floor(ms) - STAMP_EPOCH_MS) * STAMPS_PER_MS;
}

/** The wall-clock millisecond a stamp was taken in (its physical part). */
export function timeOfStamp(stamp: number): number {
  return Math.floor(stamp / STAMPS_PER_MS) + STAMP_EPOCH_MS;
}

/** A per-shard hybrid logical clock. Not thread-safe: one writer owns it. */
export class HybridClock {
  private last: number;

  /**
   * @param wallMs the machine's clock (Date.now; tests inject one)
   * @param lastStamp the last stamp taken or received before (persisted by the shard store)
   */
  constructor(
    private readonly wallMs: () => number = Date.now,
    lastStamp = 0,
  ) {
    this.last = lastStamp;
  }

  /** A new stamp, larger than every stamp taken or received before. */
  next(): number {
    this.last = Math.max(stampOfTime(this.wallMs()), this.last + 1);
    return this.last;
  }

  /**
   * Takes in a stamp received from another node: returns it capped at MAX_FORWARD_MS ahead of
   * this wall clock (what the receiver stores and compares), and moves the clock past it.
   */
  receive(stamp: number): number {
    const accepted = Math.min(stamp, stampOfTime(this.wallMs() + MAX_FORWARD_MS));
    if (accepted > this.last) this.last = accepted;
    return accepted;
  }

  /** The last stamp taken or received (what the shard store persists). */
  latest(): number {
    return this.last;
  }

  /** The wall-clock time now, from the same clock the stamps use. */
  now(): number {
    return this.wallMs();
  }
}
