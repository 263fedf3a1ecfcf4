import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import {
  createWorkerPool,
  currentThreadTask,
  readThreadNice,
  setCurrentThreadNice,
  type WorkerPool,
} from '../../actors/index.js';
import type { BusyTask } from './fixtures/busy-worker.js';

const busyWorker = new URL('./fixtures/busy-worker.js', import.meta.url);
// Linux only (the servers this runs on): thread niceness lives in /proc/<pid>/task/<tid>/stat.

describe('thread priority', () => {
  let pools: WorkerPool<BusyTask, number>[] = [];
  afterEach(async () => {
    await Promise.all(pools.map((pool) => pool.stop()));
    pools = [];
  });

  function pool(name: string, threadNice?: number): WorkerPool<BusyTask, number> {
    const created = createWorkerPool<BusyTask, number>({
      name,
      module: busyWorker,
      threads: 1,
      logger: pino({ level: 'silent' }),
      ...(threadNice === undefined ? {} : { threadNice }),
    });
    pools.push(created);
    return created;
  }

  it("names the main thread's task as the process itself", () => {
    expect(currentThreadTask()).toEqual({ pid: process.pid, tid: process.pid });
    expect(readThreadNice({ pid: process.pid, tid: process.pid })).toBeGreaterThanOrEqual(-20);
  });

  it('lowers the priority of the pool threads only, read back from /proc/<pid>/task/<tid>/stat', async () => {
    const mainNice = readThreadNice({ pid: process.pid, tid: process.pid });
    const target = Math.min(19, mainNice + 7);
    const niced = pool('niced', target);
    const plain = pool('plain');
    const nicedTid = await niced.run({ kind: 'tid' });
    const plainTid = await plain.run({ kind: 'tid' });
    expect(nicedTid).not.toBe(process.pid);
    expect(plainTid).not.toBe(nicedTid);
    expect(readThreadNice({ pid: process.pid, tid: nicedTid })).toBe(target);
    // Neither the main thread nor a pool without the option changed.
    expect(readThreadNice({ pid: process.pid, tid: process.pid })).toBe(mainNice);
    expect(readThreadNice({ pid: process.pid, tid: plainTid })).toBe(mainNice);
  });

  it('refuses a niceness outside 0-19 without touching the thread', () => {
    expect(setCurrentThreadNice(20)).toEqual({ applied: false, reason: expect.stringContaining('0 to 19') });
    expect(setCurrentThreadNice(-1)).toMatchObject({ applied: false });
    expect(setCurrentThreadNice(1.5)).toMatchObject({ applied: false });
    expect(() => pool('bad', 25)).toThrow(RangeError);
  });

  it('reports a thread that does not exist as an error', () => {
    expect(() => readThreadNice({ pid: process.pid, tid: 2 ** 30 })).toThrow();
  });
});
