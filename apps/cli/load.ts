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
import { CameoHttpError, type CameoClient, type DocumentWrite, type JsonValue } from '../sdk/index.js';
import { describeError } from './exit-codes.js';
import type { LoadProgress } from './progress.js';
import { openDataFile, type DataFormat, type DataSource, type SourceRecord } from './records/index.js';
import { SchemaDetector } from './schema-detect.js';

/** Options of one load. */
export interface LoadOptions {
  readonly index: string;
  readonly file: string;
  /**
   * The column (field) whose value is the document id. Absent: a record's `id` field when it
   * has one, else a generated id.
   */
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
  /**
   * When the index does not exist yet, create it with a schema detected from the first
   * `detectSample` records, instead of letting the server type each field by its first
   * value (a first price of `0` would make every later `9.99` a type error).
   */
  readonly detectSchema: boolean;
  readonly detectSample: number;
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
  /** `column:<name>`, or `id-or-generated` without --id-column. */
  readonly ids: string;
  /** How many documents got a generated id. */
  generated_ids: number;
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
  /** `existing` (the index had a schema), `detected` (created from the sample), or `not checked`. */
  schema: 'existing' | 'detected' | 'not checked';
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
    ids: options.idColumn === undefined ? 'id-or-generated' : `column:${options.idColumn}`,
    generated_ids: 0,
    records_read: 0,
    documents_written: 0,
    records_failed: 0,
    errors: [],
    errors_not_listed: 0,
    bytes_read: 0,
    schema: 'not checked',
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
        error: describeItemError(itemError.error, itemError.message),
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
    const records = options.detectSchema
      ? withDetectedSchema(source.records, client, options, summary, (message) => progress?.log(message))
      : source.records;
    for await (const record of records) {
      if (fatal !== undefined) break;
      summary.records_read += 1;
      if (record.error !== undefined) {
        fail({ line: record.line, source: 'parse', error: record.error });
        continue;
      }
      let id = idOf(record.value[options.idColumn ?? 'id']);
      if (id === undefined && options.idColumn === undefined) {
        id = randomUUID();
        summary.generated_ids += 1;
      }
      if (id === undefined) {
        fail({ line: record.line, source: 'parse', error: `no usable id in column "${options.idColumn}"` });
        continue;
      }
      // A document's `id` field must equal its id: a CSV cell typed as the number 7 becomes "7".
      const doc =
        'id' in record.value && idOf(record.value.id) === id ? { ...record.value, id } : record.value;
      batch.items.push({ id, doc });
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

/**
 * Reads up to `detectSample` records ahead, and when the index does not exist creates it
 * with the schema they imply; then yields every record, the sampled ones first.
 */
async function* withDetectedSchema(
  records: AsyncIterable<SourceRecord>,
  client: CameoClient,
  options: LoadOptions,
  summary: LoadSummary,
  log: (message: string) => void,
): AsyncGenerator<SourceRecord> {
  const iterator = records[Symbol.asyncIterator]();
  const sample: SourceRecord[] = [];
  const detector = new SchemaDetector();
  while (detector.records < options.detectSample) {
    const next = await iterator.next();
    if (next.done === true) break;
    sample.push(next.value);
    if (next.value.value !== undefined) detector.add(next.value.value);
  }
  let exists = true;
  try {
    await client.getSchema(options.index);
  } catch (error) {
    if (!(error instanceof CameoHttpError && error.status === 404)) throw error;
    exists = false;
  }
  if (exists) {
    summary.schema = 'existing';
  } else if (detector.records > 0) {
    const schema = detector.schema();
    await client.putSchema(options.index, schema);
    summary.schema = 'detected';
    log(
      `index "${options.index}" did not exist: created it with a schema detected from the first ${detector.records} records (` +
        schema.fields.map((field) => `${field.name}:${field.type}`).join(', ') +
        ')',
    );
  }
  yield* sample;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return;
    yield next.value;
  }
}

function idOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A bulk item's error as one line of text: `CODE: message` as the server sends it, or whatever shape it has. */
export function describeItemError(error: unknown, message?: string): string {
  if (typeof error === 'string') return message === undefined ? error : `${error}: ${message}`;
  if (typeof error === 'object' && error !== null) {
    const { code, message, error: inner } = error as { code?: unknown; message?: unknown; error?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
    if (typeof inner === 'string') return inner;
  }
  return JSON.stringify(error);
}

function describeIds(summary: LoadSummary): string {
  if (summary.ids.startsWith('column:')) return `from column "${summary.ids.slice('column:'.length)}"`;
  const fromField = summary.records_read - summary.records_failed - summary.generated_ids;
  if (summary.generated_ids === 0) return 'from the "id" field';
  return (
    `${summary.generated_ids} generated (no --id-column and no "id" field: loading the file again adds them again)` +
    (fromField > 0 ? `, the others from the "id" field` : '')
  );
}

/** The summary as lines of text. */
export function formatSummary(summary: LoadSummary): string {
  const lines = [
    `${summary.aborted === undefined ? 'loaded' : 'load stopped'}: ${summary.documents_written} of ${summary.records_read} records written to "${summary.index}" from ${summary.file} (${summary.format ?? '?'}${summary.gzip ? ', gzip' : ''})`,
    `failed records: ${summary.records_failed}${summary.errors_not_listed > 0 ? ` (${summary.errors_not_listed} not listed)` : ''}`,
    `ids: ${describeIds(summary)}`,
    `time: ${(summary.duration_ms / 1000).toFixed(1)} s, ${summary.docs_per_second} docs/s, ${(summary.bytes_read / 1024 / 1024).toFixed(1)} MB read`,
  ];
  if (summary.schema === 'detected') lines.push(`schema: detected from the file (the index was new)`);
  if (summary.aborted !== undefined) lines.push(`stopped because: ${summary.aborted}`);
  return lines.join('\n');
}
