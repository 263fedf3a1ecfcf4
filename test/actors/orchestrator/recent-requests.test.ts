import { describe, expect, it } from '@jest/globals';
import { RecentRequests } from '../../../actors/index.js';

describe('RecentRequests', () => {
  it('runs work once per request id and returns the first reply to a replay', async () => {
    const recent = new RecentRequests(10);
    let runs = 0;
    const work = async () => ++runs;
    expect(await recent.run('a', work)).toBe(1);
    expect(await recent.run('a', work)).toBe(1);
    expect(await recent.run('b', work)).toBe(2);
    expect(await recent.run(undefined, work)).toBe(3);
    expect(await recent.run(undefined, work)).toBe(4);
  });

  it('shares a pending first attempt with a concurrent duplicate', async () => {
    const recent = new RecentRequests(10);
    let release!: (value: string) => void;
    let runs = 0;
    const first = recent.run('x', () => {
      runs++;
      return new Promise<string>((resolve) => (release = resolve));
    });
    const second = recent.run('x', async () => {
      runs++;
      return 'second';
    });
    release('first');
    expect(await Promise.all([first, second])).toEqual(['first', 'first']);
    expect(runs).toBe(1);
  });

  it('forgets a failed attempt so the retry really runs', async () => {
    const recent = new RecentRequests(10);
    await expect(recent.run('y', () => Promise.reject(new Error('shard restarting')))).rejects.toThrow();
    expect(await recent.run('y', async () => 'applied')).toBe('applied');
  });

  it('is bounded: the oldest ids are forgotten first', async () => {
    const recent = new RecentRequests(3);
    for (const id of ['1', '2', '3', '4']) await recent.run(id, async () => id);
    expect(recent.size).toBe(3);
    expect(await recent.run('1', async () => 'again')).toBe('again');
    expect(await recent.run('4', async () => 'again')).toBe('4');
  });
});
