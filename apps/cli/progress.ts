/**
 * The `data load` progress bar on stderr: documents, MB read, documents per second, and an
 * ETA when the file size is known. Drawn only on a terminal and without `--quiet`; messages
 * logged while it runs are printed above it.
 * @module
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import { writeLine } from './io.js';

const MB = 1024 * 1024;

/** Progress display of one load. */
export class LoadProgress {
  readonly #stream: Writable;
  readonly #multi: cliProgress.MultiBar | undefined;
  readonly #bar: cliProgress.SingleBar | undefined;
  readonly #totalBytes: number | undefined;
  readonly #started = Date.now();

  constructor(
    stream: Writable & { readonly isTTY?: boolean },
    enabled: boolean,
    totalBytes: number | undefined,
  ) {
    this.#stream = stream;
    this.#totalBytes = totalBytes;
    if (!enabled || stream.isTTY !== true) return;
    const known = totalBytes !== undefined && totalBytes > 0;
    this.#multi = new cliProgress.MultiBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: known
          ? '{bar} {percentage}% | {docs} docs | {mb}/{total_mb} MB | {rate} docs/s | ETA {eta_formatted}'
          : '{docs} docs | {mb} MB | {rate} docs/s',
        hideCursor: true,
        barsize: 24,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar = this.#multi.create(known ? totalBytes : 1, 0, {
      docs: 0,
      mb: '0.0',
      total_mb: known ? (totalBytes / MB).toFixed(1) : '?',
      rate: 0,
    });
  }

  /** Whether a bar is drawn. */
  get active(): boolean {
    return this.#bar !== undefined;
  }

  /** Shows the current counts. */
  update(documents: number, bytesRead: number): void {
    if (this.#bar === undefined) return;
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    const value = this.#totalBytes !== undefined ? Math.min(bytesRead, this.#totalBytes) : 0;
    this.#bar.update(value, {
      docs: documents,
      mb: (bytesRead / MB).toFixed(1),
      rate: Math.round(documents / seconds),
    });
  }

  /** Prints a message (above the bar when one is drawn). */
  log(message: string): void {
    if (this.#multi !== undefined) this.#multi.log(message.endsWith('\n') ? message : `${message}\n`);
    else writeLine(this.#stream, message);
  }

  /** Removes the bar's cursor handling; the last state stays on screen. */
  stop(): void {
    this.#multi?.stop();
  }
}
