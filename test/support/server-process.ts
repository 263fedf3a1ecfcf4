/**
 * Starts the real `cameodb` server as a child process (for end-to-end tests): random
 * port, a temporary data directory, and a wait for the JSON log line `"msg":"listening"`
 * that carries the port. Stop it gracefully (SIGTERM) or kill it (SIGKILL) mid-test.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Options of startServerProcess. */
export interface ServerProcessOptions {
  /** Data directory; a fresh temporary one (removed by `cleanup`) by default. */
  readonly dataPath?: string;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** The script to run; `bin/cameodb.js` by default (a `.ts` file runs through tsx). */
  readonly entry?: string;
  /** How long to wait for the readiness line. */
  readonly readyTimeoutMs?: number;
}

/** A running server process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly dataPath: string;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** Kills the process (SIGKILL) if still alive and removes a temporary data directory. */
  cleanup(): Promise<void>;
}

function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Starts the server and resolves once it listens; rejects with its output if it exits or stalls. */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const temporary = options.dataPath === undefined;
  const dataPath = options.dataPath ?? mkdtempSync(join(tmpdir(), 'cameodb-e2e-'));
  const entry = options.entry ?? join(root, 'bin', 'cameodb.js');
  const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--http-port',
      '0',
      '--http-bind-address',
      '127.0.0.1',
      '--data-paths',
      dataPath,
      ...(options.args ?? []),
    ],
    { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready after ${options.readyTimeoutMs ?? 20_000} ms\n${stderr}`));
    }, options.readyTimeoutMs ?? 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const before = stdout.length;
      stdout += chunk.toString();
      for (const line of stdout.slice(stdout.lastIndexOf('\n', before) + 1).split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const entryLine = JSON.parse(line) as { msg?: string; port?: number };
          if (entryLine.msg === 'listening' && typeof entryLine.port === 'number') {
            clearTimeout(timer);
            resolve(entryLine.port);
          }
        } catch {
          // An incomplete line: the rest arrives with the next chunk.
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${code ?? signal})\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    if (temporary) rmSync(dataPath, { recursive: true, force: true });
    throw error;
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    dataPath,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      const done = exited(child);
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        done,
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return result;
    },
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        const done = exited(child);
        child.kill('SIGKILL');
        await done;
      }
      if (temporary) rmSync(dataPath, { recursive: true, force: true });
    },
  };
}
