/**
 * CSV and TSV reading through csv-parse, streamed. The first row names the columns. A
 * record that does not parse (wrong number of cells, a broken quote) is reported with its
 * line and skipped; the rest of the file still loads.
 * @module
 */
import { Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import type { JsonObject } from '../../sdk/index.js';
import { castCell } from './cast.js';
import type { SourceRecord } from './types.js';

/** Options of the CSV/TSV reader. */
export interface DelimitedOptions {
  readonly delimiter: ',' | '\t';
  /** Type the cells (numbers, booleans, empty left out); false keeps every cell a string. */
  readonly cast: boolean;
}

/** The records of a CSV or TSV text stream. */
export async function* readDelimited(
  text: Readable,
  options: DelimitedOptions,
): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = parse({
    delimiter: options.delimiter,
    // TSV has no quoting: a `"` in a cell is just a character.
    quote: options.delimiter === '\t' ? null : '"',
    columns: true,
    bom: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (error: CsvError) => {
    const line = typeof error.lines === 'number' ? error.lines : 0;
    skipped.push({ line, error: error.message.replace(/^Invalid Record Length: /, '') });
  });
  text.on('error', (error) => parser.destroy(error));
  text.pipe(parser);
  for await (const entry of parser as AsyncIterable<{ record: Record<string, string>; info: Info }>) {
    // Report skipped records in file order: those before this record first.
    while (skipped.length > 0 && (skipped[0]?.line ?? 0) < entry.info.lines)
      yield skipped.shift() as SourceRecord;
    const value: JsonObject = {};
    for (const [column, cell] of Object.entries(entry.record)) {
      if (options.cast) {
        const typed = castCell(cell);
        if (typed !== undefined) value[column] = typed;
      } else {
        value[column] = cell;
      }
    }
    yield { line: entry.info.lines, value };
  }
  while (skipped.length > 0) yield skipped.shift() as SourceRecord;
}

/** Wraps text chunks as a Readable (for tests and callers holding strings). */
export function readableFromChunks(chunks: Iterable<string> | AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}
