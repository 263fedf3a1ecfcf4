/**
 * The CLI's connection to the outside world, injectable so tests run commands in-process:
 * output streams, standard input, environment and home directory.
 * @module
 */
import { homedir } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** Where the CLI reads and writes. */
export interface CliIo {
  readonly stdout: Writable;
  /** Progress bars and diagnostics; a bar is drawn only when `isTTY` is true. */
  readonly stderr: Writable & { readonly isTTY?: boolean };
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `.cameodb_history` lives. */
  readonly homeDir: string;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    homeDir: homedir(),
  };
}

/** Writes a line to a stream. */
export function writeLine(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
