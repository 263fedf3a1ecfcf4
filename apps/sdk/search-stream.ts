/**
 * The hits of `POST /api/{index}/search/stream` as an async iterator. Lines are parsed as
 * they arrive, so a million hits never sit in memory at once; the `_footer` line is kept
 * on the stream object, and a stream that ends without it is reported as truncated.
 * @module
 */
import { CameoProtocolError, CameoStreamError } from './errors.js';
import { readNdjsonLines } from './ndjson.js';
import type { OpenResponse } from './transport.js';
import type { SearchHit, SearchStreamFooter } from './types.js';

/**
 * An async iterable of search hits. Iterate it once (`for await`); after the loop,
 * `footer` holds the server's summary. Leaving the loop early cancels the download.
 */
export class SearchHitStream implements AsyncIterable<SearchHit> {
  readonly #open: () => Promise<OpenResponse>;
  #started = false;
  #footer: SearchStreamFooter | undefined;
  #hitsReceived = 0;

  /** @param open Starts the request; called when iteration begins. */
  constructor(open: () => Promise<OpenResponse>) {
    this.#open = open;
  }

  /** The `_footer` line's value, once the stream has been read to the end. */
  get footer(): SearchStreamFooter | undefined {
    return this.#footer;
  }

  /** How many hits were yielded so far. */
  get hitsReceived(): number {
    return this.#hitsReceived;
  }

  /** Reads the whole stream into an array (for small result sets). */
  async toArray(): Promise<SearchHit[]> {
    const hits: SearchHit[] = [];
    for await (const hit of this) hits.push(hit);
    return hits;
  }

  [Symbol.asyncIterator](): AsyncIterator<SearchHit> {
    if (this.#started) throw new CameoProtocolError('a SearchHitStream can be iterated only once');
    this.#started = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<SearchHit> {
    const { response, deadline } = await this.#open();
    try {
      if (response.body === null) throw new CameoProtocolError('search stream: the response has no body');
      let lineNumber = 0;
      for await (const line of readNdjsonLines(response.body, deadline)) {
        lineNumber += 1;
        if (line.trim() === '') continue;
        if (this.#footer !== undefined) {
          throw new CameoProtocolError(`search stream: line ${lineNumber} comes after the _footer line`);
        }
        const value = parseLine(line, lineNumber);
        if ('_footer' in value) {
          const footer = value._footer;
          this.#footer = (
            typeof footer === 'object' && footer !== null ? footer : value
          ) as SearchStreamFooter;
        } else if ('_id' in value) {
          this.#hitsReceived += 1;
          yield value as SearchHit;
        } else if ('error' in value) {
          throw new CameoStreamError(value);
        } else {
          throw new CameoProtocolError(`search stream: line ${lineNumber} is neither a hit nor the footer`, {
            line: line.slice(0, 500),
          });
        }
      }
      if (this.#footer === undefined) {
        throw new CameoProtocolError(
          `search stream ended after ${this.#hitsReceived} hits without its _footer line (truncated)`,
        );
      }
    } finally {
      deadline.dispose();
    }
  }
}

function parseLine(line: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CameoProtocolError(`search stream: line ${lineNumber} is not JSON`, {
      line: line.slice(0, 500),
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CameoProtocolError(`search stream: line ${lineNumber} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
