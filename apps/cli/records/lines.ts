/**
 * Line splitting and the JSON Lines (NDJSON) reader. Lines are cut from text chunks as
 * they arrive; a line is held only until its newline, and an endless line is refused.
 * @module
 */
import { DataFormatError } from './errors.js';
import { parseElement } from './json-array-splitter.js';
import { MAX_RECORD_CHARS, type SourceRecord } from './types.js';

/** The lines of a text stream with their 1-based numbers (a trailing `\r` is removed). */
export async function* splitLines(
  chunks: AsyncIterable<string>,
): AsyncGenerator<{ text: string; line: number }> {
  let pending = '';
  let line = 0;
  for await (const chunk of chunks) {
    pending += chunk;
    let newline = pending.indexOf('\n');
    let from = 0;
    while (newline >= 0) {
      line += 1;
      const text = pending.slice(from, newline);
      yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, line };
      from = newline + 1;
      newline = pending.indexOf('\n', from);
    }
    pending = pending.slice(from);
    if (pending.length > MAX_RECORD_CHARS) {
      throw new DataFormatError(`a line longer than ${MAX_RECORD_CHARS} characters`, line + 1);
    }
  }
  if (pending !== '') {
    line += 1;
    yield { text: pending.endsWith('\r') ? pending.slice(0, -1) : pending, line };
  }
}

/** The records of a JSON Lines file: one JSON object per line; blank lines are skipped. */
export async function* readJsonLines(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  for await (const { text, line } of splitLines(chunks)) {
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (trimmed === '') continue;
    yield parseElement(trimmed, line);
  }
}
