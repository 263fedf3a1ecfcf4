/**
 * NDJSON both ways, streamed: `ndjsonRequestBody` turns documents, lines or bytes from any
 * source into a pull-based request body (nothing is read from the source until the socket
 * wants more, so a slow server slows the reader instead of filling memory), and
 * `readNdjsonLines` splits a response body into lines as the bytes arrive.
 * @module
 */
import type { Readable } from 'node:stream';
import type { Deadline } from './deadline.js';
import type { JsonObject } from './types.js';

/**
 * One item of an ingest source: a document (sent as one JSON line), a string (one NDJSON
 * line; a newline is added when missing) or bytes (raw NDJSON, sent as they are).
 */
export type IngestItem = JsonObject | string | Uint8Array;

/** Anything `ingestStream` reads from. */
export type IngestSource =
  AsyncIterable<IngestItem> | Iterable<IngestItem> | Readable | ReadableStream<IngestItem>;

/** Progress of a streamed upload, reported as the body is pulled. */
export interface IngestProgress {
  /** Items taken from the source so far. */
  readonly items: number;
  /** Bytes handed to the HTTP layer so far. */
  readonly bytes: number;
}

/** About this many bytes are gathered into one chunk of the body. */
const CHUNK_BYTES = 64 * 1024;

const encoder = new TextEncoder();

function isWebStream(source: IngestSource): source is ReadableStream<IngestItem> {
  return typeof (source as ReadableStream).getReader === 'function';
}

async function* iterateWebStream<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function toIterator(source: IngestSource): AsyncIterator<IngestItem> | Iterator<IngestItem> {
  if (isWebStream(source)) return iterateWebStream(source);
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<IngestItem>)[Symbol.asyncIterator]();
  return (source as Iterable<IngestItem>)[Symbol.iterator]();
}

function encodeItem(item: IngestItem): Uint8Array {
  if (item instanceof Uint8Array) return item;
  if (typeof item === 'string') return encoder.encode(item.endsWith('\n') ? item : `${item}\n`);
  return encoder.encode(`${JSON.stringify(item)}\n`);
}

/**
 * A request body that pulls from `source` only when the HTTP layer asks for more: at most
 * one ~64 KiB chunk is prepared ahead of the socket. Each pull touches the deadline, so
 * the upload times out only when it stalls. A failure of the source is stored in
 * `sourceFailure` (fetch itself only reports that the upload broke).
 */
export function ndjsonRequestBody(
  source: IngestSource,
  deadline: Deadline,
  sourceFailure: { error?: unknown },
  onProgress?: (progress: IngestProgress) => void,
): ReadableStream<Uint8Array> {
  const iterator = toIterator(source);
  let items = 0;
  let bytes = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const parts: Uint8Array[] = [];
        let size = 0;
        while (size < CHUNK_BYTES) {
          let next: IteratorResult<IngestItem>;
          try {
            next = await iterator.next();
          } catch (error) {
            // fetch would report this as a network failure: keep the real reason for the caller.
            sourceFailure.error = error;
            throw error;
          }
          if (next.done === true) break;
          const encoded = encodeItem(next.value);
          parts.push(encoded);
          size += encoded.byteLength;
          items += 1;
        }
        deadline.touch();
        if (size > 0) {
          bytes += size;
          controller.enqueue(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size));
          onProgress?.({ items, bytes });
        }
        if (size < CHUNK_BYTES) controller.close();
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * The lines of a streamed response, as they arrive (a final line without a newline is
 * yielded too). Touches the deadline per chunk; an abort surfaces as its typed reason.
 */
export async function* readNdjsonLines(
  body: ReadableStream<Uint8Array>,
  deadline: Deadline,
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw deadline.reason ?? error;
      }
      if (chunk.done) break;
      deadline.touch();
      pending += decoder.decode(chunk.value, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        yield pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    }
    pending += decoder.decode();
    if (pending !== '') yield pending;
  } finally {
    // On an early exit (the caller stopped iterating) this ends the download.
    await reader.cancel().catch(() => undefined);
  }
}
