/**
 * Scheduling priority of one thread. On Linux `setpriority(PRIO_PROCESS, tid)` changes the
 * niceness of that thread only (threads are tasks), so a worker thread can lower its own
 * priority without touching the main thread or the other workers. Used by writer threads:
 * during a bulk load they get the CPU only when readers and the main thread leave it idle.
 * Elsewhere (no /proc/thread-self) nothing changes and the result says why.
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** This thread's ids as Linux names them. */
export interface ThreadTask {
  readonly pid: number;
  /** The kernel task id of the calling thread (equals pid on the main thread). */
  readonly tid: number;
}

/** What `setCurrentThreadNice` did. */
export type ThreadPriorityOutcome =
  | { readonly applied: true; readonly pid: number; readonly tid: number; readonly nice: number }
  | { readonly applied: false; readonly reason: string };

/** Lowest and highest niceness Linux accepts; raising priority below 0 needs privileges. */
const MAX_NICE = 19;

/** The calling thread's pid and tid from /proc/thread-self (`<pid>/task/<tid>`); undefined off Linux. */
export function currentThreadTask(): ThreadTask | undefined {
  let link: string;
  try {
    link = readlinkSync('/proc/thread-self');
  } catch {
    return undefined;
  }
  const match = /^(\d+)\/task\/(\d+)$/.exec(link);
  if (match === null) return undefined;
  return { pid: Number(match[1]), tid: Number(match[2]) };
}

/**
 * The niceness of one thread, read back from `/proc/<pid>/task/<tid>/stat` (field 19).
 * Throws when the thread does not exist.
 */
export function readThreadNice(task: ThreadTask): number {
  const stat = readFileSync(`/proc/${task.pid}/task/${task.tid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 19 (nice) is fields[16].
  const nice = Number(fields[16]);
  if (!Number.isInteger(nice)) throw new Error(`unexpected stat line for thread ${task.tid}: ${stat}`);
  return nice;
}

/**
 * Sets the calling thread's niceness to `nice` (0-19, higher is lower priority); the other
 * threads of the process keep theirs. Never throws: where this is unsupported or refused,
 * the outcome says why and the caller logs it.
 */
export function setCurrentThreadNice(nice: number): ThreadPriorityOutcome {
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) {
    return { applied: false, reason: `niceness must be an integer from 0 to ${MAX_NICE}, got ${nice}` };
  }
  const task = currentThreadTask();
  if (task === undefined) return { applied: false, reason: 'no /proc/thread-self (not Linux)' };
  try {
    setPriority(task.tid, nice);
    return { applied: true, pid: task.pid, tid: task.tid, nice: readThreadNice(task) };
  } catch (error) {
    return { applied: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Makes sure libuv's thread pool exists, created by the calling thread. Linux threads
 * inherit the niceness of the thread that creates them, and libuv creates its pool on first
 * use: call this on the main thread before starting threads that lower their priority, so
 * the pool (file I/O, zlib, crypto of the whole process) never inherits a writer's niceness.
 */
export async function startThreadPoolHere(): Promise<void> {
  // An async fs call runs on the pool, which libuv starts on its first job.
  await access('.').catch(() => undefined);
}
