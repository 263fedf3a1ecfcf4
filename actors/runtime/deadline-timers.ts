/**
 * One shared timer for every deadline in an actor system. Each ask and each running
 * handler has a deadline; a Node timer per deadline costs an allocation, a list insert and
 * a `clearTimeout` on the hot path. Here a deadline is an intrusive list node (the ask or
 * the running message itself), kept in one FIFO list per duration. Deadlines of equal
 * duration are added in time order, so every list is sorted and only its head can expire
 * next; a single Node timer is armed for the earliest head. Adding and removing are O(1).
 * @module
 */
import { performance } from 'node:perf_hooks';

/** Something with a deadline: an intrusive node of a DeadlineTimers list. */
export abstract class DeadlineNode {
  /** @internal Absolute deadline on the `performance.now()` clock. */
  deadlineAt = 0;
  /** @internal */
  deadlineList: DeadlineList | null = null;
  /** @internal */
  deadlinePrevious: DeadlineNode | null = null;
  /** @internal */
  deadlineNext: DeadlineNode | null = null;

  /** Called once when the deadline passes (the node is already removed from its list). */
  abstract expire(): void;
}

/** @internal A FIFO list of nodes that share one duration. */
export class DeadlineList {
  head: DeadlineNode | null = null;
  tail: DeadlineNode | null = null;
  constructor(readonly durationMs: number) {}
}

/** The shared deadline scheduler of one actor system. */
export class DeadlineTimers {
  private readonly lists = new Map<number, DeadlineList>();
  private timer: NodeJS.Timeout | null = null;
  private armedAt = Number.POSITIVE_INFINITY;
  private disposed = false;

  /** Schedules `node.expire()` in `durationMs` milliseconds (at least 1). */
  schedule(node: DeadlineNode, durationMs: number): void {
    if (this.disposed) throw new RangeError('deadline timers are disposed');
    const duration = Math.max(1, Math.ceil(durationMs));
    let list = this.lists.get(duration);
    if (list === undefined) {
      list = new DeadlineList(duration);
      this.lists.set(duration, list);
    }
    node.deadlineAt = performance.now() + duration;
    node.deadlineList = list;
    node.deadlinePrevious = list.tail;
    node.deadlineNext = null;
    if (list.tail === null) list.head = node;
    else list.tail.deadlineNext = node;
    list.tail = node;
    if (node.deadlineAt < this.armedAt) this.arm(node.deadlineAt);
  }

  /** Removes a node before its deadline; a no-op when it is not scheduled. */
  cancel(node: DeadlineNode): void {
    const list = node.deadlineList;
    if (list === null) return;
    if (node.deadlinePrevious === null) list.head = node.deadlineNext;
    else node.deadlinePrevious.deadlineNext = node.deadlineNext;
    if (node.deadlineNext === null) list.tail = node.deadlinePrevious;
    else node.deadlineNext.deadlinePrevious = node.deadlinePrevious;
    node.deadlineList = null;
    node.deadlinePrevious = null;
    node.deadlineNext = null;
    // The timer is left armed: when it fires early it finds nothing and re-arms.
  }

  /** Number of scheduled deadlines (walks the lists; for tests and health). */
  size(): number {
    let count = 0;
    for (const list of this.lists.values()) {
      for (let node = list.head; node !== null; node = node.deadlineNext) count++;
    }
    return count;
  }

  /** Stops the timer. Scheduled nodes never expire afterwards; owners settle them on stop. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const expired: DeadlineNode[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const [duration, list] of this.lists) {
      let node = list.head;
      while (node !== null && node.deadlineAt <= now) {
        const next: DeadlineNode | null = node.deadlineNext;
        this.cancel(node);
        expired.push(node);
        node = next;
      }
      if (list.head === null) this.lists.delete(duration);
      else if (list.head.deadlineAt < earliest) earliest = list.head.deadlineAt;
    }
    if (earliest !== Number.POSITIVE_INFINITY && !this.disposed) this.arm(earliest);
    // Expire after re-arming: an expire() may schedule new deadlines.
    for (const node of expired) node.expire();
  };
}
