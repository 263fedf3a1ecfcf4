/**
 * `--spawn-server`: the load tool starts the real `cameodb` server as its child process
 * (so load and server are separate processes), on a free port with a temporary data
 * directory, waits for its readiness line (the JSON log line `"msg":"listening"` with the
 * port), and stops it on exit: SIGTERM, then SIGKILL after a grace period, then removes
 * the temporary directory. Also reads a process's resident memory from /proc.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchSetupError } from './errors.js';

/** The repository root (apps/bench/../..). */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Options of spawnServer. */
export interface SpawnServerOptions {
  /** Script to run; bin/cameodb.js by default (it runs dist/ when built, else the sources through tsx). */
  readonly entry?: string;
  readonly shards?: number;
  /** Data directory; a temporary one (removed on stop) by default. */
  readonly dataPath?: string;
  /** Extra server arguments. */
  readonly args?: readonly string[];
  /** Extra node arguments (e.g. --cpu-prof --cpu-prof-dir DIR). */
  readonly nodeArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Receives the server's warning and error log lines (for diagnosis). */
  readonly onOutput?: (text: string) => void;
}

/** A running server child. */
export interface SpawnedServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataPath: string;
  /** Stops it (SIGTERM, SIGKILL after graceMs) and removes a temporary data directory. */
  stop(graceMs?: number): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Starts the server and resolves once it listens; rejects (after killing it) if it does not. */
export async function spawnServer(options: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const temporary = options.dataPath === undefined;
  const dataPath = options.dataPath ?? mkdtempSync(join(tmpdir(), 'cameodb-bench-'));
  const entry = options.entry ?? join(REPOSITORY_ROOT, 'bin', 'cameodb.js');
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
      entry,
      '--http-port',
      '0',
      '--http-bind-address',
      '127.0.0.1',
      '--data-paths',
      dataPath,
      ...(options.shards === undefined ? [] : ['--shards', String(options.shards)]),
      ...(options.args ?? []),
    ],
    { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const removeData = (): void => {
    if (temporary) rmSync(dataPath, { recursive: true, force: true });
  };
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 15_000): Promise<void> =>
    (stopping ??= (async () => {
      const done = exited(child);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await done;
        clearTimeout(timer);
      }
      removeData();
    })());

  let pending = '';
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Kept for the failure message only: stderr holds the banner, warnings go to stdout as log lines.
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  try {
    const port = await new Promise<number>((ready, fail) => {
      const timeoutMs = options.readyTimeoutMs ?? 120_000;
      const timer = setTimeout(
        () => fail(new BenchSetupError(`server not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          let entryLine: { msg?: unknown; port?: unknown; level?: unknown };
          try {
            entryLine = JSON.parse(line) as typeof entryLine;
          } catch {
            continue; // not a log line (a banner); ignored
          }
          if (entryLine.msg === 'listening' && typeof entryLine.port === 'number') {
            clearTimeout(timer);
            ready(entryLine.port);
          } else if (typeof entryLine.level === 'number' && entryLine.level >= 40) {
            options.onOutput?.(`${line}\n`);
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new BenchSetupError(`server exited before listening (${code ?? signal})\n${stderrTail}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(new BenchSetupError(`cannot start the server: ${error.message}`, { cause: error }));
      });
    });
    return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, dataPath, stop };
  } catch (error) {
    await stop(2_000);
    throw error;
  }
}

/** Resident memory of a process in MiB (VmRSS from /proc/<pid>/status); undefined if unreadable. */
export function residentMemoryMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Math.round((Number(match[1]) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** Linux clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every common kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds a process used so far, all threads (utime + stime from /proc/<pid>/stat);
 * undefined if unreadable. On a shared machine this, per operation, is steadier than wall time.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user) && Number.isFinite(system)
      ? (user + system) / CLOCK_TICKS_PER_SECOND
      : undefined;
  } catch {
    return undefined;
  }
}
