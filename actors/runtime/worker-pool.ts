/**
 * A pool of worker threads for blocking work (storage, parsing), on piscina. The task
 * module's default export `(task) => result | Promise<result>` runs in a worker; the same
 * module path works from TypeScript sources (tsx, jest) and from compiled dist/: a `.js`
 * path whose file is absent falls back to its `.ts` sibling, and workers that must load
 * TypeScript get tsx's loader through `--import` (workers do not inherit it).
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { types } from 'node:util';
import { Piscina } from 'piscina';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import {
  CancelledError,
  OverloadedError,
  ShuttingDownError,
  ValidationError,
  errorFromWire,
} from '../../messages/index.js';
import type {
  WorkerEntryData,
  WorkerPriorityMessage,
  WorkerTaskEnvelope,
  WorkerWireCause,
} from './worker-entry.js';

/**
 * Cancellation flags shared with the threads, one slot per task with a signal (reused
 * round-robin: far more slots than tasks can be queued at once).
 */
const CANCEL_SLOTS = 65_536;

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Pool name: the `pool` metrics label and the logger binding. */
  readonly name: string;
  /** The task module (path or file: URL); `.js` falls back to `.ts` in development. */
  readonly module: string | URL;
  /** Most threads; default 2. */
  readonly threads?: number;
  /** Threads kept even when idle; default `threads`. */
  readonly minThreads?: number;
  /** Milliseconds before an idle thread above `minThreads` exits; default 30000. */
  readonly idleTimeoutMs?: number;
  /** Tasks waiting for a thread beyond this fail with OverloadedError; default 1024. */
  readonly maxQueue?: number;
  /** How long `stop()` waits for queued and running tasks; default 5000. */
  readonly stopGraceMs?: number;
  /** Default: a new Registry. */
  readonly metricsRegistry?: Registry;
  /** Default: a pino logger at `LOG_LEVEL` (or `info`). */
  readonly logger?: Logger;
  /**
   * Niceness (0-19) each thread sets for itself when it starts (Linux; see thread-priority.ts).
   * Absent: unchanged. Where it cannot be set, the pool logs why and the thread runs anyway.
   */
  readonly threadNice?: number;
}

/** Options of one task. */
export interface WorkerTaskOptions {
  /**
   * Cancels the task: the caller gets CancelledError at once. A task that has not started
   * yet is skipped by its thread; one already running finishes and its result is dropped.
   * Threads are never terminated for it: terminating a thread inside native code (SQLite,
   * LMDB, loading an addon) can abort the whole process.
   */
  readonly signal?: AbortSignal;
  /** Buffers moved, not copied, to the worker. */
  readonly transferList?: ArrayBuffer[];
}

/** Counters of a pool. */
export interface WorkerPoolSnapshot {
  readonly name: string;
  readonly threads: number;
  /** Tasks waiting for a thread. */
  readonly queueDepth: number;
  /** Tasks running in a thread. */
  readonly activeTasks: number;
  readonly completed: number;
  readonly failed: number;
}

/** A started pool of worker threads. */
export interface WorkerPool<Task, Result> {
  readonly name: string;
  /** Idempotent; the pool starts its threads at creation. */
  start(): Promise<void>;
  /** Runs one task in a worker. Errors: the task's own (CameoErrors keep their class), OverloadedError, CancelledError, ShuttingDownError. */
  run(task: Task, options?: WorkerTaskOptions): Promise<Result>;
  /** Waits for queued and running tasks (up to `stopGraceMs`), then terminates the threads. */
  stop(): Promise<void>;
  snapshot(): WorkerPoolSnapshot;
}

interface PoolGaugeSource {
  snapshot(): WorkerPoolSnapshot;
}

interface PoolMetrics {
  readonly sources: Set<PoolGaugeSource>;
  readonly completed: Counter<'pool'>;
  readonly failed: Counter<'pool'>;
}

const metricsByRegistry = new WeakMap<Registry, PoolMetrics>();

function poolMetrics(registry: Registry): PoolMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing !== undefined) return existing;
  const sources = new Set<PoolGaugeSource>();
  const registers = [registry];
  const labelNames = ['pool'] as const;
  const gauge = (name: string, help: string, read: (s: WorkerPoolSnapshot) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const source of sources) {
          const snapshot = source.snapshot();
          this.set({ pool: snapshot.name }, read(snapshot));
        }
      },
    });
  };
  gauge('cameodb_worker_pool_queue_depth', 'Tasks waiting for a worker thread', (s) => s.queueDepth);
  gauge('cameodb_worker_pool_active_tasks', 'Tasks running in worker threads', (s) => s.activeTasks);
  gauge('cameodb_worker_pool_threads', 'Worker threads alive', (s) => s.threads);
  const metrics: PoolMetrics = {
    sources,
    completed: new Counter({
      name: 'cameodb_worker_pool_tasks_completed_total',
      help: 'Tasks completed',
      labelNames,
      registers,
    }),
    failed: new Counter({
      name: 'cameodb_worker_pool_tasks_failed_total',
      help: 'Tasks failed',
      labelNames,
      registers,
    }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}

const ownUrl = import.meta.url;
const TYPESCRIPT_FILE = /\.[cm]?ts$/;

/** The task module's file path; a missing `.js` resolves to its `.ts` source (development). */
function resolveTaskModule(module: string | URL): string {
  const path = module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : module;
  if (existsSync(path)) return path;
  const source = path.replace(/\.([cm]?)js$/, '.$1ts');
  if (source !== path && existsSync(source)) return source;
  throw new ValidationError(`worker module not found: ${path}`, { details: { module: path } });
}

class WorkerPoolImpl<Task, Result> implements WorkerPool<Task, Result>, PoolGaugeSource {
  readonly name: string;
  private readonly piscina: Piscina;
  private readonly logger: Logger;
  private readonly metrics: PoolMetrics;
  private readonly completedTasks: Counter.Internal;
  private readonly failedTasks: Counter.Internal;
  private readonly stopGraceMs: number;
  private submitted = 0;
  private completed = 0;
  private failed = 0;
  private stopping: Promise<void> | null = null;
  /** 1 in a slot: the task given that slot was cancelled (read by the thread before it starts it). */
  private readonly cancelFlags = new Int32Array(new SharedArrayBuffer(4 * CANCEL_SLOTS));
  private nextCancelSlot = 0;

  constructor(options: WorkerPoolOptions) {
    this.name = options.name;
    this.logger = (options.logger ?? pino({ name: 'cameodb', level: process.env.LOG_LEVEL ?? 'info' })).child(
      {
        workerPool: options.name,
      },
    );
    const threads = options.threads ?? 2;
    const minThreads = options.minThreads ?? threads;
    if (
      !Number.isInteger(threads) ||
      threads < 1 ||
      !Number.isInteger(minThreads) ||
      minThreads > threads ||
      minThreads < 0
    ) {
      throw new RangeError(`worker pool "${options.name}": need 0 <= minThreads <= threads and threads >= 1`);
    }
    this.stopGraceMs = options.stopGraceMs ?? 5_000;
    const taskModule = resolveTaskModule(options.module);
    const entry = new URL(ownUrl.endsWith('.ts') ? './worker-entry.ts' : './worker-entry.js', ownUrl);
    const needsTsx = TYPESCRIPT_FILE.test(taskModule) || entry.pathname.endsWith('.ts');
    const execArgv = needsTsx ? ['--import', pathToFileURL(createRequire(ownUrl).resolve('tsx')).href] : [];
    if (
      options.threadNice !== undefined &&
      (!Number.isInteger(options.threadNice) || options.threadNice < 0 || options.threadNice > 19)
    ) {
      throw new RangeError(`worker pool "${options.name}": threadNice must be an integer from 0 to 19`);
    }
    const workerData: WorkerEntryData = {
      cameoWorkerModule: pathToFileURL(taskModule).href,
      cameoCancelFlags: this.cancelFlags,
      ...(options.threadNice === undefined ? {} : { cameoThreadNice: options.threadNice }),
    };
    this.piscina = new Piscina({
      filename: entry.href,
      workerData,
      execArgv,
      maxThreads: threads,
      minThreads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      maxQueue: options.maxQueue ?? 1024,
      closeTimeout: this.stopGraceMs,
    });
    // Without a listener, a worker that fails to start would crash the process.
    this.piscina.on('error', (error: unknown) => this.logger.error({ err: error }, 'worker pool error'));
    this.piscina.on('message', (message: unknown) => this.onWorkerMessage(message));
    this.metrics = poolMetrics(options.metricsRegistry ?? new Registry());
    this.metrics.sources.add(this);
    this.completedTasks = this.metrics.completed.labels({ pool: this.name });
    this.failedTasks = this.metrics.failed.labels({ pool: this.name });
    this.logger.debug({ threads, minThreads, taskModule, tsx: needsTsx }, 'worker pool started');
  }

  async start(): Promise<void> {
    if (this.stopping !== null) throw new ShuttingDownError(`worker pool "${this.name}" is stopped`);
  }

  async run(task: Task, options: WorkerTaskOptions = {}): Promise<Result> {
    if (this.stopping !== null) throw new ShuttingDownError(`worker pool "${this.name}" is stopped`);
    const { signal } = options;
    if (signal?.aborted === true) throw this.cancelled(signal);
    let cancelSlot = -1;
    if (signal !== undefined) {
      cancelSlot = this.nextCancelSlot;
      this.nextCancelSlot = (this.nextCancelSlot + 1) % CANCEL_SLOTS;
      Atomics.store(this.cancelFlags, cancelSlot, 0);
    }
    const envelope: WorkerTaskEnvelope = { task, cancelSlot };
    this.submitted++;
    // No signal for piscina: it would terminate a thread running the task.
    const done = this.piscina
      .run(envelope, { transferList: options.transferList as never })
      .then(
        (result: unknown) => {
          this.completed++;
          this.completedTasks.inc();
          return result as Result;
        },
        (error: unknown) => {
          this.failed++;
          this.failedTasks.inc();
          throw this.translate(error);
        },
      )
      .finally(() => {
        this.submitted--;
      });
    if (signal === undefined) return done;
    return new Promise<Result>((resolve, reject) => {
      const onAbort = (): void => {
        Atomics.store(this.cancelFlags, cancelSlot, 1);
        reject(this.cancelled(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      done.then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          // After a cancellation the caller has its answer; the task's own failure is only logged.
          if (signal.aborted) this.logger.debug({ err: error }, 'cancelled task failed');
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private cancelled(signal: AbortSignal): CancelledError {
    return new CancelledError(`task of worker pool "${this.name}" was cancelled`, { cause: signal.reason });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.piscina.close();
      this.metrics.sources.delete(this);
      this.logger.debug('worker pool stopped');
    })();
    return this.stopping;
  }

  snapshot(): WorkerPoolSnapshot {
    const queueDepth = this.piscina.queueSize;
    return {
      name: this.name,
      threads: this.piscina.threads.length,
      queueDepth,
      activeTasks: Math.max(0, this.submitted - queueDepth),
      completed: this.completed,
      failed: this.failed,
    };
  }

  private onWorkerMessage(message: unknown): void {
    const outcome = (message as Partial<WorkerPriorityMessage> | null)?.cameoThreadPriority;
    if (outcome === undefined) {
      this.logger.warn({ message }, 'unexpected message from a worker thread');
    } else if (outcome.applied) {
      this.logger.debug({ tid: outcome.tid, nice: outcome.nice }, 'worker thread priority set');
    } else {
      this.logger.info({ reason: outcome.reason }, 'worker thread priority left unchanged');
    }
  }

  private translate(error: unknown): unknown {
    // Not `instanceof Error`: errors cloned from a worker may belong to another realm (jest).
    if (!isErrorLike(error)) return new Error(`worker task failed: ${String(error)}`);
    const wire = (error.cause as Partial<WorkerWireCause> | undefined)?.cameoWireError;
    if (wire !== undefined) {
      const rebuilt = errorFromWire(wire);
      rebuilt.stack = error.stack ?? rebuilt.stack;
      return rebuilt;
    }
    if (error.message === 'Task queue is at limit') {
      return new OverloadedError(`worker pool "${this.name}" has a full queue; retry later`, {
        cause: error,
      });
    }
    if (error.message === 'Terminating worker thread' || error.message === 'pool is closed') {
      return new ShuttingDownError(`worker pool "${this.name}" stopped before the task ran`, {
        cause: error,
      });
    }
    return sameRealmError(error);
  }
}

function isErrorLike(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

/** The error itself, or a copy made in this realm so `instanceof Error` holds (name, stack and cause kept). */
function sameRealmError(error: Error): Error {
  if (error instanceof Error) return error;
  const foreign = error as { message: string; name: string; stack?: string; cause?: unknown };
  const copy = new Error(foreign.message, foreign.cause === undefined ? undefined : { cause: foreign.cause });
  copy.name = foreign.name;
  copy.stack = foreign.stack ?? copy.stack;
  return copy;
}

/** Creates and starts a pool of worker threads running `options.module`. */
export function createWorkerPool<Task, Result>(options: WorkerPoolOptions): WorkerPool<Task, Result> {
  return new WorkerPoolImpl<Task, Result>(options);
}
