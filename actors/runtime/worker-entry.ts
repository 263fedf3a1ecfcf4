/**
 * The module every pool worker runs (compiled to worker-entry.js in dist/). It loads the
 * pool's task module lazily (no top-level await: piscina first tries `require`), runs its
 * default export, and sends a CameoError back in its wire form so the pool can rebuild the
 * same class on the main thread (structured clone keeps only message, stack and `cause`).
 * When the pool asks for it, the thread first lowers its own scheduling priority and
 * reports the outcome to the pool (a message on parentPort, which piscina re-emits).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setCurrentThreadNice, type ThreadPriorityOutcome } from './thread-priority.js';

/** The `workerData` the pool gives each worker. */
export interface WorkerEntryData {
  /** file: URL of the task module. */
  readonly cameoWorkerModule: string;
  /** Cancellation flags shared with the pool: slot i is 1 when the task given slot i was cancelled. */
  readonly cameoCancelFlags: Int32Array;
  /** Niceness this thread sets for itself when it starts; absent: unchanged. */
  readonly cameoThreadNice?: number;
}

/** The message a worker sends its pool after setting its niceness. */
export interface WorkerPriorityMessage {
  readonly cameoThreadPriority: ThreadPriorityOutcome;
}

const { cameoThreadNice } = workerData as WorkerEntryData;
if (cameoThreadNice !== undefined) {
  const message: WorkerPriorityMessage = { cameoThreadPriority: setCurrentThreadNice(cameoThreadNice) };
  parentPort?.postMessage(message);
}

/** The `cause` of an Error that carries a CameoError across the thread boundary. */
export interface WorkerWireCause {
  readonly cameoWireError: { type: 'Error'; code: string; message: string; details?: unknown };
}

type TaskFunction = (task: unknown) => unknown;
let loading: Promise<TaskFunction> | undefined;

async function loadTaskFunction(): Promise<TaskFunction> {
  const { cameoWorkerModule } = workerData as WorkerEntryData;
  if (/\.[cm]?ts$/.test(cameoWorkerModule)) {
    // Development: the ESM loader of a worker does not have tsx's hooks; register them here.
    const { register } = await import('tsx/esm/api');
    register();
  }
  const loaded = (await import(cameoWorkerModule)) as { default?: unknown };
  if (typeof loaded.default !== 'function') {
    throw new TypeError(`worker module ${cameoWorkerModule} has no default export function`);
  }
  return loaded.default as TaskFunction;
}

function isWireConvertible(
  error: unknown,
): error is Error & { code: string; toWire(): WorkerWireCause['cameoWireError'] } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { toWire?: unknown }).toWire === 'function'
  );
}

/** What the pool posts for each task: the task, and its cancellation slot (-1: none). */
export interface WorkerTaskEnvelope {
  readonly task: unknown;
  readonly cancelSlot: number;
}

/** What a thread answers for a task cancelled before it started (the caller already has its error). */
const SKIPPED_CANCELLED_TASK = { cameoSkippedCancelledTask: true } as const;

/** Runs one task of the pool, unless it was cancelled while it waited. */
export default async function runWorkerTask(envelope: WorkerTaskEnvelope): Promise<unknown> {
  const { task, cancelSlot } = envelope;
  const { cameoCancelFlags } = workerData as WorkerEntryData;
  if (cancelSlot >= 0 && Atomics.load(cameoCancelFlags, cancelSlot) === 1) return SKIPPED_CANCELLED_TASK;
  loading ??= loadTaskFunction();
  const run = await loading;
  try {
    return await run(task);
  } catch (error) {
    if (isWireConvertible(error)) {
      const cause: WorkerWireCause = { cameoWireError: error.toWire() };
      const carrier = new Error(error.message, { cause });
      carrier.stack = error.stack ?? carrier.stack;
      throw carrier;
    }
    if (error instanceof Error) throw error;
    throw new Error(`worker task threw a non-Error value: ${String(error)}`);
  }
}
