import { afterEach, describe, expect, it } from '@jest/globals';
import { DeadlineNode, DeadlineTimers } from '../../actors/runtime/deadline-timers.js';

class Probe extends DeadlineNode {
  expiredAt: number | null = null;
  constructor(
    readonly label: string,
    private readonly order: string[],
  ) {
    super();
  }
  override expire(): void {
    this.expiredAt = Date.now();
    this.order.push(this.label);
  }
}

function waitFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('shared deadline timers', () => {
  const timers = new DeadlineTimers();
  afterEach(() => expect(timers.size()).toBe(0));

  it('expires nodes of different durations in deadline order, never early', async () => {
    const order: string[] = [];
    const started = Date.now();
    const slow = new Probe('slow', order);
    const fast = new Probe('fast', order);
    const middle = new Probe('middle', order);
    timers.schedule(slow, 60);
    timers.schedule(fast, 10);
    timers.schedule(middle, 30);
    await waitFor(100);
    expect(order).toEqual(['fast', 'middle', 'slow']);
    expect((fast.expiredAt as number) - started).toBeGreaterThanOrEqual(9);
    expect((slow.expiredAt as number) - started).toBeGreaterThanOrEqual(59);
  });

  it('never expires a cancelled node, wherever it sits in its list', async () => {
    const order: string[] = [];
    const nodes = ['a', 'b', 'c', 'd'].map((label) => new Probe(label, order));
    for (const node of nodes) timers.schedule(node, 15);
    timers.cancel(nodes[0] as Probe);
    timers.cancel(nodes[2] as Probe);
    timers.cancel(nodes[2] as Probe); // a second cancel is a no-op
    expect(timers.size()).toBe(2);
    await waitFor(40);
    expect(order).toEqual(['b', 'd']);
  });

  it('lets an expiring node schedule another deadline', async () => {
    const order: string[] = [];
    const second = new Probe('second', order);
    class Chained extends Probe {
      override expire(): void {
        super.expire();
        timers.schedule(second, 5);
      }
    }
    timers.schedule(new Chained('first', order), 5);
    await waitFor(40);
    expect(order).toEqual(['first', 'second']);
  });
});
