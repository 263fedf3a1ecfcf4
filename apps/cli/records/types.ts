/**
 * What the CLI's file readers produce: one `SourceRecord` per record of the file, with the
 * 1-based line where it starts (CSV: where it ends, as csv-parse reports it), either a
 * document or the reason it could not be read.
 * @module
 */
import type { JsonObject } from '../../sdk/index.js';

/** The data formats `data load` and `schema detect` read. */
export type DataFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

/** One record of a data file: a document, or why the record is bad. */
export type SourceRecord =
  | { readonly line: number; readonly value: JsonObject; readonly error?: undefined }
  | { readonly line: number; readonly value?: undefined; readonly error: string };

/** Longest record (a JSONL line or a JSON array element) a reader holds, to keep memory bounded. */
export const MAX_RECORD_CHARS = 32 * 1024 * 1024;
