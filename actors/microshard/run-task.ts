/**
 * Running one StorageTask on a worker pool with its result unwrapped: the success value of
 * the task's kind, or the failure rebuilt as its own error class.
 * @module
 */
import { errorFromWire } from '../../messages/index.js';
import type { StorageTask, StorageTaskResult, StorageTaskValue } from '../../storage/index.js';
import type { WorkerPool } from '../runtime/index.js';

/** The success value of a task of kind `K`. */
export type TaskValue<K extends StorageTask['kind']> = Extract<StorageTaskValue, { kind: K }>;

/** Runs one task and unwraps its result, rebuilding a failure as its own error class. */
export async function runTask<T extends StorageTask>(
  pool: WorkerPool<StorageTask, StorageTaskResult>,
  task: T,
  signal?: AbortSignal,
): Promise<TaskValue<T['kind']>> {
  const result = await pool.run(task, signal === undefined ? undefined : { signal });
  if (!result.ok) throw errorFromWire(result.error);
  return result as unknown as TaskValue<T['kind']>;
}
