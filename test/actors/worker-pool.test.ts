import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CancelledError, ShuttingDownError, StorageError, ValidationError } from '../../messages/index.js';
import { createWorkerPool, type WorkerPool } from '../../actors/index.js';
import type { BusyTask } from './fixtures/busy-worker.js';

// The `.js` path as production code writes it; in the sources only the `.ts` file exists.
const busyWorker = new URL('./fixtures/busy-worker.js', import.meta.url);

describe('worker pool', () => {
  let pool: WorkerPool<BusyTask, number> | undefined;
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
  });

  it('runs a blocking task in a worker while the main event loop keeps ticking', async () => {
    const registry = new Registry();
    pool = createWorkerPool<BusyTask, number>({
      name: 'busy',
      module: busyWorker,
      threads: 1,
      metricsRegistry: registry,
      logger: pino({ level: 'silent' }),
    });
    expect(await pool.run({ kind: 'echo', value: 21 })).toBe(42); // warm-up: the thread has loaded tsx
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    const started = Date.now();
    const spins = await pool.run({ kind: 'spin', ms: 300 });
    const elapsed = Date.now() - started;
    clearInterval(interval);
    expect(spins).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    // Blocked main thread: 0-1 ticks. Free main thread: about 30; allow a busy machine.
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(pool.snapshot()).toMatchObject({ completed: 2, failed: 0, queueDepth: 0, activeTasks: 0 });
    const text = await registry.metrics();
    expect(text).toContain('cameodb_worker_pool_tasks_completed_total{pool="busy"} 2');
    expect(text).toContain('cameodb_worker_pool_queue_depth{pool="busy"} 0');
  });

  it('returns an error thrown in a task as an Error with its message; CameoErrors keep their class', async () => {
    pool = createWorkerPool<BusyTask, number>({
      name: 'failing',
      module: busyWorker,
      threads: 1,
      logger: pino({ level: 'silent' }),
    });
    const plain = await pool.run({ kind: 'fail', message: 'disk on fire' }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect((plain as Error).message).toBe('disk on fire');
    const typed = await pool.run({ kind: 'fail-typed', message: 'no space left' }).catch((e: unknown) => e);
    expect(typed).toBeInstanceOf(StorageError);
    expect(typed).toMatchObject({
      code: 'STORAGE_ERROR',
      message: 'no space left',
      details: { disk: 'full' },
    });
    expect(await pool.run({ kind: 'echo', value: 1 })).toBe(2);
    expect(pool.snapshot()).toMatchObject({ completed: 1, failed: 2 });
  });

  it('cancels a queued task with CancelledError and refuses work after stop', async () => {
    pool = createWorkerPool<BusyTask, number>({
      name: 'cancel',
      module: busyWorker,
      threads: 1,
      logger: pino({ level: 'silent' }),
    });
    const running = pool.run({ kind: 'spin', ms: 100 });
    const controller = new AbortController();
    const queued = pool.run({ kind: 'echo', value: 1 }, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    await running;
    await pool.stop();
    await expect(pool.run({ kind: 'echo', value: 1 })).rejects.toBeInstanceOf(ShuttingDownError);
  });

  it('answers a cancelled running task at once without terminating its thread, and skips a cancelled queued one', async () => {
    pool = createWorkerPool<BusyTask, number>({
      name: 'cancel-running',
      module: busyWorker,
      threads: 1,
      logger: pino({ level: 'silent' }),
    });
    const thread = await pool.run({ kind: 'tid' });
    const controller = new AbortController();
    const running = pool.run({ kind: 'spin', ms: 400 }, { signal: controller.signal });
    const queued = pool.run({ kind: 'spin', ms: 5_000 }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cancelledAt = Date.now();
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    // The caller did not wait for the spin to end.
    expect(Date.now() - cancelledAt).toBeLessThan(250);
    // The same thread (not a replacement) answers next, once the running spin has finished,
    // and the queued 5 s spin never ran.
    const startedNext = Date.now();
    expect(await pool.run({ kind: 'tid' })).toBe(thread);
    expect(Date.now() - startedNext).toBeLessThan(2_000);
  });

  it('fails the task of a worker thread that dies, and keeps serving with a new thread', async () => {
    pool = createWorkerPool<BusyTask, number>({
      name: 'dying',
      module: busyWorker,
      threads: 1,
      logger: pino({ level: 'silent' }),
    });
    const died = await pool.run({ kind: 'exit' }).catch((e: unknown) => e);
    expect(died).toBeInstanceOf(Error);
    expect(await pool.run({ kind: 'echo', value: 5 })).toBe(10);
    expect(pool.snapshot()).toMatchObject({ failed: 1, completed: 1 });
  });

  it('rejects a missing module with ValidationError', () => {
    expect(() =>
      createWorkerPool({ name: 'missing', module: new URL('./fixtures/nope.js', import.meta.url) }),
    ).toThrow(ValidationError);
  });
});
