/**
 * Request bodies without hono's bodyLimit middleware (it forces a full Request and makes
 * POSTs about 3x slower): Content-Length is checked before reading, chunked and gzip
 * bodies are counted while they stream, and only `identity` and `gzip` encodings are
 * accepted. JSON bodies are parsed here and checked for `__proto__` keys.
 * @module
 */
import type { Context } from 'hono';
import { ValidationError } from '../../messages/index.js';
import { payloadTooLarge, unsupportedMediaType } from './http-errors.js';

/** Deepest accepted nesting of a JSON body. */
const MAX_JSON_DEPTH = 128;

/**
 * Opens the request body as a stream of decoded bytes. When `maxBytes` is given, a
 * declared or actual size above it fails with 413 (after decompression for gzip).
 */
export function openBody(c: Context, maxBytes?: number): ReadableStream<Uint8Array> | null {
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    throw unsupportedMediaType(`unsupported Content-Encoding "${encoding}": use gzip or none`, {
      content_encoding: encoding,
      supported: ['identity', 'gzip'],
    });
  }
  const declared = c.req.header('content-length');
  if (maxBytes !== undefined && declared !== undefined && Number(declared) > maxBytes) {
    throw payloadTooLarge(maxBytes);
  }
  const body = c.req.raw.body;
  if (body === null) return null;
  return gzip ? (body.pipeThrough(new DecompressionStream('gzip')) as ReadableStream<Uint8Array>) : body;
}

/**
 * Iterates the chunks of a body stream, failing with 413 past `maxBytes` and turning read
 * failures (corrupt gzip, aborted upload) into a 400 instead of a 500.
 */
export async function* readChunks(
  body: ReadableStream<Uint8Array>,
  maxBytes?: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new ValidationError(`cannot read request body: ${(error as Error).message}`, { cause: error });
      }
      if (next.done) return;
      total += next.value.byteLength;
      if (maxBytes !== undefined && total > maxBytes) throw payloadTooLarge(maxBytes);
      yield next.value;
    }
  } finally {
    reader.releaseLock();
    // Stop the upload (and any decompression) when we leave early.
    body.cancel().catch(() => undefined);
  }
}

/** True when the Content-Type is absent or JSON (`application/json`, `*+json`). */
function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Rejects `__proto__` keys anywhere (prototype pollution in consumers) and absurd nesting. */
export function checkJsonValue(value: unknown, where = 'body'): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new ValidationError(`${where} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__') {
        throw new ValidationError(`${where} contains a "__proto__" key, which is not allowed`, {
          details: { key: '__proto__' },
        });
      }
      stack.push([(current as Record<string, unknown>)[key], depth + 1]);
    }
  }
}

/** Parses JSON text, mapping syntax errors to a 400 that names the problem. */
export function parseJsonText(text: string, where = 'body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`malformed JSON in ${where}: ${(error as Error).message}`, {
      details: { reason: 'malformed_json' },
    });
  }
  checkJsonValue(value, where);
  return value;
}

/** Reads, size-checks, decodes and parses a JSON request body. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const contentType = c.req.header('content-type');
  if (!isJsonContentType(contentType)) {
    throw unsupportedMediaType(`unsupported Content-Type "${contentType}": send application/json`, {
      content_type: contentType,
    });
  }
  const body = openBody(c, maxBytes);
  if (body === null) throw new ValidationError('request body is empty: a JSON body is required');
  const chunks: Uint8Array[] = [];
  for await (const chunk of readChunks(body, maxBytes)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  if (bytes.byteLength === 0) throw new ValidationError('request body is empty: a JSON body is required');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new ValidationError('request body is not valid UTF-8', { cause: error });
  }
  return parseJsonText(text);
}
