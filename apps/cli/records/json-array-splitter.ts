/**
 * A streaming splitter for a JSON array of any size: it cuts the text into the array's
 * elements as chunks arrive (tracking strings, escapes and nesting depth), so only one
 * element is held in memory at a time; each element is parsed on its own, and a bad one
 * is reported with its line while the others still load.
 * @module
 */
import { DataFormatError } from './errors.js';
import type { JsonObject } from '../../sdk/index.js';
import { MAX_RECORD_CHARS, type SourceRecord } from './types.js';

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09 || code === 0xfeff;
}

/** Splits the text of a JSON array into its elements' texts, chunk by chunk. */
export class JsonArraySplitter {
  #state: 'before' | 'between' | 'element' | 'after' = 'before';
  #line = 1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #parts: string[] = [];
  #size = 0;
  #elementLine = 0;

  /** Feeds one chunk; returns the elements completed in it, with their start lines. */
  push(chunk: string): Array<{ text: string; line: number }> {
    const out: Array<{ text: string; line: number }> = [];
    let start = this.#state === 'element' ? 0 : -1;
    for (let index = 0; index < chunk.length; index += 1) {
      const code = chunk.charCodeAt(index);
      if (this.#state === 'element') {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (code === BACKSLASH) this.#escaped = true;
          else if (code === QUOTE) this.#inString = false;
          else if (code === NEWLINE) this.#line += 1;
          continue;
        }
        if (code === QUOTE) this.#inString = true;
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.#depth += 1;
        // Never below 0: a stray closer stays in the element's text and fails its own parse.
        else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && this.#depth > 0) this.#depth -= 1;
        else if (code === NEWLINE) this.#line += 1;
        if (this.#depth === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
          this.#parts.push(chunk.slice(start, index));
          out.push({ text: this.#parts.join(''), line: this.#elementLine });
          this.#parts = [];
          this.#size = 0;
          this.#state = code === COMMA ? 'between' : 'after';
          continue;
        }
        continue;
      }
      if (code === NEWLINE) this.#line += 1;
      if (isWhitespace(code)) continue;
      switch (this.#state) {
        case 'before':
          if (code !== OPEN_BRACKET)
            throw new DataFormatError("a JSON array file must start with '['", this.#line);
          this.#state = 'between';
          break;
        case 'between':
          if (code === CLOSE_BRACKET) {
            this.#state = 'after';
            break;
          }
          if (code === COMMA)
            throw new DataFormatError('unexpected "," (an empty array element)', this.#line);
          this.#state = 'element';
          this.#elementLine = this.#line;
          this.#depth = code === OPEN_BRACE || code === OPEN_BRACKET ? 1 : 0;
          this.#inString = code === QUOTE;
          start = index;
          break;
        case 'after':
          throw new DataFormatError("unexpected text after the closing ']' of the array", this.#line);
      }
    }
    if (this.#state === 'element') {
      const rest = chunk.slice(start);
      this.#size += rest.length;
      if (this.#size > MAX_RECORD_CHARS) {
        throw new DataFormatError(
          `the array element starting here is larger than ${MAX_RECORD_CHARS} characters (is the JSON well-formed?)`,
          this.#elementLine,
        );
      }
      this.#parts.push(rest);
    }
    return out;
  }

  /** Checks the end of the input: the array must be closed. */
  end(): void {
    if (this.#state === 'before')
      throw new DataFormatError('the file is empty: expected a JSON array', this.#line);
    if (this.#state !== 'after') {
      throw new DataFormatError("the input ended before the closing ']' of the JSON array", this.#line);
    }
  }

  /** The current line (for errors raised by the caller). */
  get line(): number {
    return this.#line;
  }
}

/** Parses one element's text into a record (a JSON object) or a per-record error. */
export function parseElement(text: string, line: number): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, error: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, error: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}` };
  }
  return { line, value: value as JsonObject };
}

/** The records of a JSON array, from its text chunks. */
export async function* readJsonArray(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  const splitter = new JsonArraySplitter();
  for await (const chunk of chunks) {
    for (const element of splitter.push(chunk)) yield parseElement(element.text, element.line);
  }
  splitter.end();
}
