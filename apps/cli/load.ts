/**
 * `data load`: streams a data file into an index in batches of `POST /_bulk`.
 *
 * Why batched bulk writes rather than the NDJSON stream endpoint: every per-document error
 * comes back with its position, so each one is mapped to its line (the stream endpoint
 * lists only the first 100); a batch refused with 503 is retried with backoff, since every
 * item carries its id (a broken stream cannot be replayed); and progress counts documents
 * the server acknowledged, so after a failure the summary says exactly what was written.
 * Two batches are in flight at once to hide the round trip; reading waits for the server,
 * so memory stays at about `2 x batch size` documents whatever the file size.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { CameoClient, DocumentWrite, JsonValue } from '../sdk/index.js';
import { describeError } from './exit-codes.js';
import type { LoadProgress } from './progress.js';
import { openDataFile, type DataFormat, type DataSource } from './records/index.js';

/** Options of one load. */
export interface LoadOptions {
  readonly index: string;
  readonly file: string;
  /** The column (field) whose value is the document id; ids are generated when absent. */
  readonly idColumn?: string;
  readonly format?: DataFormat;
  readonly batchSize: number;
  /** Type CSV/TSV cells. */
  readonly cast: boolean;
  /** How many line errors are printed and kept in the summary. */
  readonly maxErrors: number;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Standard input, when `file` is `-`. */
  readonly input?: Readable;
}

/** One record that was not written, and why. */
export interface LoadLineError {
  readonly line: number;
  readonly id?: string;
  /** `parse`: the file's record is bad; `server`: the server rejected the document. */
  readonly source: 'parse' | 'server';
  readonly error: string;
}

/** The outcome of a load (printed at the end, and as JSON with `--json`). */
export interface LoadSummary {
  readonly index: string;
  readonly file: string;
  readonly format: DataFormat | undefined;
  readonly gzip: boolean;
  /** `generated` or `column:<name>`. */
  readonly ids: string;
  records_read: number;
  documents_written: number;
  /** Records rejected (bad in the file, or refused by the server). */
  records_failed: number;
  errors: LoadLineError[];
  /** Errors beyond `maxErrors`, counted but not listed. */
  errors_not_listed: number;
  bytes_read: number;
  duration_ms: number;
  docs_per_second: number;
  /** Why the load stopped early, when it did (connection lost, batch refused, unreadable file). */
  aborted?: string;
  /** The error that stopped the load, for the exit code (not serialised). */
  abortError?: unknown;
}

interface Batch {
  readonly items: DocumentWrite[];
  readonly lines: number[];
}

/** Loads a file; never throws for per-record problems, only records them. */
export async function loadData(
  client: CameoClient,
  options: LoadOptions,
  makeProgress: (totalBytes: number | undefined) => LoadProgress,
): Promise<LoadSummary> {
  const started = Date.now();
  const summary: LoadSummary = {
    index: options.index,
    file: options.file,
    format: options.format,
    gzip: false,
    ids: options.idColumn === undefined ? 'generated' : `column:${options.idColumn}`,
    records_read: 0,
    documents_written: 0,
    records_failed: 0,
    errors: [],
    errors_not_listed: 0,
    bytes_read: 0,
    duration_ms: 0,
    docs_per_second: 0,
  };
  let progress: LoadProgress | undefined;
  const fail = (error: LoadLineError): void => {
    summary.records_failed += 1;
    if (summary.errors.length < options.maxErrors) {
      summary.errors.push(error);
      progress?.log(`line ${error.line}: ${error.id === undefined ? '' : `[id ${error.id}] `}${error.error}`);
    } else {
      summary.errors_not_listed += 1;
    }
  };

  let source: DataSource | undefined;
  let fatal: unknown;
  const inFlight: Promise<void>[] = [];
  const sendBatch = async (batch: Batch): Promise<void> => {
    const response = await client.bulkWrite(options.index, batch.items);
    summary.documents_written += response.items_written;
    for (const itemError of response.errors) {
      fail({
        line: batch.lines[itemError.position] ?? 0,
        id: itemError.id,
        source: 'server',
        error: describeItemError(itemError.error),
      });
    }
  };
  const send = (batch: Batch): void => {
    inFlight.push(
      sendBatch(batch).catch((error: unknown) => {
        // The first failure stops the load; it is reported in the summary.
        fatal ??= error;
      }),
    );
  };

  try {
    source = await openDataFile(options.file, {
      ...(options.format === undefined ? {} : { format: options.format }),
      cast: options.cast,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    Object.assign(summary, { format: source.format, gzip: source.gzip });
    progress = makeProgress(source.totalBytes);
    let batch: Batch = { items: [], lines: [] };
    for await (const record of source.records) {
      if (fatal !== undefined) break;
      summary.records_read += 1;
      if (record.error !== undefined) {
        fail({ line: record.line, source: 'parse', error: record.error });
        continue;
      }
      const id = options.idColumn === undefined ? randomUUID() : idOf(record.value[options.idColumn]);
      if (id === undefined) {
        fail({ line: record.line, source: 'parse', error: `no usable id in column "${options.idColumn}"` });
        continue;
      }
      batch.items.push({ id, doc: record.value });
      batch.lines.push(record.line);
      if (batch.items.length >= options.batchSize) {
        send(batch);
        batch = { items: [], lines: [] };
        while (inFlight.length >= options.concurrency) await inFlight.shift();
        progress.update(summary.documents_written, source.bytesRead());
      }
    }
    if (fatal === undefined && batch.items.length > 0) send(batch);
  } catch (error) {
    fatal ??= error;
  }
  await Promise.all(inFlight);
  summary.bytes_read = source?.bytesRead() ?? 0;
  progress?.update(summary.documents_written, summary.bytes_read);
  progress?.stop();
  summary.duration_ms = Date.now() - started;
  summary.docs_per_second = Math.round(
    summary.documents_written / Math.max(0.001, summary.duration_ms / 1000),
  );
  if (fatal !== undefined) {
    summary.aborted = describeError(fatal).replace(/^error: /, '');
    summary.abortError = fatal;
  }
  return summary;
}

function idOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A bulk item's error as one line of text, whatever shape the server gave it. */
export function describeItemError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, error: inner } = error as { code?: unknown; message?: unknown; error?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
    if (typeof inner === 'string') return inner;
  }
  return JSON.stringify(error);
}

/** The summary as lines of text. */
export function formatSummary(summary: LoadSummary): string {
  const lines = [
    `${summary.aborted === undefined ? 'loaded' : 'load stopped'}: ${summary.documents_written} of ${summary.records_read} records written to "${summary.index}" from ${summary.file} (${summary.format ?? '?'}${summary.gzip ? ', gzip' : ''})`,
    `failed records: ${summary.records_failed}${summary.errors_not_listed > 0 ? ` (${summary.errors_not_listed} not listed)` : ''}`,
    `ids: ${summary.ids === 'generated' ? 'generated (no --id-column: loading the file again adds the documents again)' : `from column "${summary.ids.slice('column:'.length)}"`}`,
    `time: ${(summary.duration_ms / 1000).toFixed(1)} s, ${summary.docs_per_second} docs/s, ${(summary.bytes_read / 1024 / 1024).toFixed(1)} MB read`,
  ];
  if (summary.aborted !== undefined) lines.push(`stopped because: ${summary.aborted}`);
  return lines.join('\n');
}
