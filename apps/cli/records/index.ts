/**
 * apps/cli/records: streamed readers of CSV, TSV, JSON arrays and JSON Lines (optionally
 * gzip-compressed) that yield records with line numbers.
 * @module
 */
export { openDataFile, formatFromName, parseFormat } from './open.js';
export type { DataSource, OpenDataOptions } from './open.js';
export { DataFormatError } from './errors.js';
export { JsonArraySplitter, readJsonArray, parseElement } from './json-array-splitter.js';
export { readJsonLines, splitLines } from './lines.js';
export { readDelimited } from './csv.js';
export { castCell } from './cast.js';
export { MAX_RECORD_CHARS } from './types.js';
export type { DataFormat, SourceRecord } from './types.js';
