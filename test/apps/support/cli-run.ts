/**
 * Runs `runClientCli` in-process with captured stdout/stderr, a given stdin and a temp home.
 * @module
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { runClientCli, type CliIo } from '../../../apps/cli/index.js';

/** What one run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  /** Terminal width, read by the progress bar. */
  columns = 160;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Options of one captured run. */
export interface RunOptions {
  readonly stdin?: string | Readable;
  readonly homeDir?: string;
  readonly env?: Record<string, string>;
  /** Pretend stderr is a terminal (to see the progress bar). */
  readonly stderrIsTTY?: boolean;
}

/** Runs the CLI with `args` and captures its output. */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  stderr.isTTY = options.stderrIsTTY === true;
  let stdin: Readable;
  if (typeof options.stdin === 'string') {
    const pass = new PassThrough();
    pass.end(options.stdin);
    stdin = pass;
  } else {
    stdin = options.stdin ?? Readable.from([]);
  }
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: options.env ?? {},
    homeDir: options.homeDir ?? '/nonexistent',
  };
  const code = await runClientCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
