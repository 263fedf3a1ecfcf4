/**
 * Opens a data file for `data load` and `schema detect`: picks the format from the option
 * or the file name, decompresses `.gz` on the fly, counts the bytes read from disk (for the
 * progress bar's ETA, also when compressed) and yields records. Nothing is read whole.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, Transform, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readDelimited } from './csv.js';
import { DataFormatError } from './errors.js';
import { readJsonArray } from './json-array-splitter.js';
import { readJsonLines } from './lines.js';
import type { DataFormat, SourceRecord } from './types.js';

/** Options of `openDataFile`. */
export interface OpenDataOptions {
  /** The format; from the file name when absent. */
  readonly format?: DataFormat;
  /** Decompress with gzip; from the `.gz` suffix when absent. */
  readonly gzip?: boolean;
  /** Type CSV/TSV cells (default true). */
  readonly cast?: boolean;
  /** Read this stream instead of a file (for `-`, standard input). */
  readonly input?: Readable;
}

/** An opened data file. */
export interface DataSource {
  readonly format: DataFormat;
  readonly gzip: boolean;
  /** Size of the file on disk, when known (not for standard input). */
  readonly totalBytes: number | undefined;
  /** Bytes read from disk so far (compressed bytes for `.gz`). */
  bytesRead(): number;
  readonly records: AsyncIterable<SourceRecord>;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, DataFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

/** The format a file name implies (ignoring a `.gz` suffix), or undefined. */
export function formatFromName(path: string): DataFormat | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return FORMAT_BY_EXTENSION[extension];
}

/** Parses a `--format` value. */
export function parseFormat(value: string): DataFormat {
  const format = FORMAT_BY_EXTENSION[value.toLowerCase()];
  if (format === undefined)
    throw new DataFormatError(`unknown format "${value}": use csv, tsv, json or jsonl`, 0);
  return format;
}

/** Opens `path` (or `options.input`) and returns its records as a stream. */
export async function openDataFile(path: string, options: OpenDataOptions = {}): Promise<DataSource> {
  const format = options.format ?? formatFromName(path);
  if (format === undefined) {
    throw new DataFormatError(`cannot tell the format of "${path}" from its name: pass --format`, 0);
  }
  const gzip = options.gzip ?? path.toLowerCase().endsWith('.gz');
  const totalBytes = options.input ? undefined : (await stat(path)).size;
  const raw = options.input ?? createReadStream(path, { highWaterMark: 256 * 1024 });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const text = new PassThrough();
  // pipeline destroys every stage with the first error, so the reader below sees it.
  const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream> = [
    raw,
    counter,
  ];
  if (gzip) stages.push(createGunzip());
  stages.push(text);
  pipeline(stages, (error) => {
    if (error) text.destroy(error);
  });
  text.setEncoding('utf8');
  const records = recordsOf(format, text, options.cast ?? true);
  return { format, gzip, totalBytes, bytesRead: () => bytes, records };
}

function recordsOf(format: DataFormat, text: Readable, cast: boolean): AsyncIterable<SourceRecord> {
  switch (format) {
    case 'csv':
      return readDelimited(text, { delimiter: ',', cast });
    case 'tsv':
      return readDelimited(text, { delimiter: '\t', cast });
    case 'json':
      return readJsonArray(text as AsyncIterable<string>);
    case 'jsonl':
      return readJsonLines(text as AsyncIterable<string>);
  }
}
