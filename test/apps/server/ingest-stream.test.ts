/** NDJSON stream ingest in-process: micro-batches, bad lines with line numbers, caps, gzip and refusal. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { IndexNotFoundError, OverloadedError, type ClientOp } from '../../../messages/index.js';
import { fakeGateway } from './fake-node.js';

function ndjson(lines: string[], headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    body: lines.join('\n'),
    headers: { 'content-type': 'application/x-ndjson', ...headers },
  };
}

const doc = (i: number): string => JSON.stringify({ id: `d${i}`, doc: { n: i } });

describe('NDJSON stream ingest', () => {
  it('writes every line in micro-batches of BulkWrite and reports ok', async () => {
    const { app, node } = fakeGateway({ streamBatchSize: 4 });
    const lines = Array.from({ length: 10 }, (_unused, i) => doc(i));
    const response = await app.request('/api/logs/document/stream', ndjson([...lines, '']));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      lines_received: 10,
      items_written: 10,
      batches: 3,
      errors: [],
      suppressed_errors: 0,
    });
    expect(node.ops.map((op) => (op.type === 'BulkWrite' ? op.items.length : -1))).toEqual([4, 4, 2]);
    expect(node.indexes.get('logs')?.docs.size).toBe(10);
  });

  it('reports bad lines with their line numbers and writes the rest (partial)', async () => {
    const { app } = fakeGateway({ streamBatchSize: 2 });
    const response = await app.request(
      '/api/logs/document/stream',
      ndjson([
        doc(1),
        '{"id": "broken", ',
        '',
        JSON.stringify({ id: 'x', doc: { age: 'not a number' } }),
        JSON.stringify({ id: 'y', doc: {}, extra: true }),
        doc(2),
        '{"id":"p","doc":{"__proto__":{}}}',
        '  ',
        doc(3),
      ]),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      errors: Array<Record<string, unknown>>;
    } & Record<string, unknown>;
    expect(body.status).toBe('partial');
    expect(body.items_written).toBe(3);
    expect(body.lines_received).toBe(7);
    expect(body.errors).toEqual([
      { line: 2, error: 'VALIDATION_ERROR', message: expect.stringContaining('malformed JSON') },
      { line: 4, id: 'x', error: 'FIELD_TYPE_ERROR', message: expect.stringContaining('age') },
      { line: 5, id: 'y', error: 'VALIDATION_ERROR', message: expect.stringContaining('extra') },
      { line: 7, error: 'VALIDATION_ERROR', message: expect.stringContaining('__proto__') },
    ]);
  });

  it('keeps the first 100 errors and counts the rest as suppressed', async () => {
    const { app } = fakeGateway();
    const lines = Array.from({ length: 150 }, () => 'nope');
    const response = await app.request('/api/logs/document/stream', ndjson(lines));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ line: number }> } & Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'refused',
      error: 'INGEST_REFUSED',
      lines_received: 150,
      items_written: 0,
      suppressed_errors: 50,
    });
    expect(body.errors).toHaveLength(100);
    expect(body.errors[99]?.line).toBe(100);
  });

  it('reports a line longer than the limit without buffering it', async () => {
    const { app } = fakeGateway({ maxLineBytes: 100 });
    const long = JSON.stringify({ id: 'long', doc: { text: 'x'.repeat(500) } });
    const response = await app.request('/api/logs/document/stream', ndjson([doc(1), long, doc(2)]));
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'partial', items_written: 2, lines_received: 3 });
    expect(body['errors']).toEqual([
      { line: 2, error: 'VALIDATION_ERROR', message: 'line 2 is longer than 100 bytes' },
    ]);
  });

  it('handles lines split across chunks and a last line without newline', async () => {
    const { app, node } = fakeGateway();
    const text = `${doc(1)}\r\n${doc(2)}\n${doc(3)}`;
    const encoded = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < encoded.length; i += 7) controller.enqueue(encoded.slice(i, i + 7));
        controller.close();
      },
    });
    const response = await app.request('/api/logs/document/stream', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await response.json()).toMatchObject({ status: 'ok', lines_received: 3, items_written: 3 });
    expect(node.indexes.get('logs')?.docs.get('d2')?.doc).toEqual({ n: 2 });
  });

  it('accepts a gzip-compressed stream', async () => {
    const { app } = fakeGateway();
    const body = gzipSync(Array.from({ length: 50 }, (_unused, i) => doc(i)).join('\n'));
    const response = await app.request('/api/logs/document/stream', {
      method: 'POST',
      body,
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/x-ndjson' },
    });
    expect(await response.json()).toMatchObject({ status: 'ok', items_written: 50 });
  });

  it('is refused with 404 and the report when the index does not exist', async () => {
    const { app, node } = fakeGateway();
    node.autoCreateIndexes = false;
    const response = await app.request('/api/missing/document/stream', ndjson([doc(1), doc(2)]));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: 'INDEX_NOT_FOUND',
      status: 'refused',
      items_written: 0,
      errors: [{ line: 1, error: 'INDEX_NOT_FOUND' }],
    });
  });

  it('retries a batch refused as overloaded, then stops with partial', async () => {
    const { app, node } = fakeGateway({ streamBatchSize: 2 });
    let bulkCalls = 0;
    node.intercept = (op: ClientOp) => {
      if (op.type !== 'BulkWrite') return undefined;
      bulkCalls += 1;
      // The first batch succeeds after one overload; the second batch never gets through.
      if (bulkCalls === 2 || bulkCalls >= 3) return Promise.reject(new OverloadedError('busy'));
      return undefined;
    };
    const response = await app.request(
      '/api/logs/document/stream',
      ndjson([doc(1), doc(2), doc(3), doc(4), doc(5), doc(6)]),
    );
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ status: 'partial', items_written: 2, batches: 2 });
    expect(body['errors']).toEqual([
      { line: 3, error: 'OVERLOADED', message: expect.stringContaining('lines 3-4') },
    ]);
    // 1 success + 4 attempts (1 try, 3 retries) of the second batch; the third batch never sent.
    expect(bulkCalls).toBe(5);
  });

  it('answers 503 with Retry-After when nothing could be written because of overload', async () => {
    const { app, node } = fakeGateway({ retryAfterSeconds: 7 });
    node.intercept = (op) =>
      op.type === 'BulkWrite' ? Promise.reject(new OverloadedError('busy')) : undefined;
    const response = await app.request('/api/logs/document/stream', ndjson([doc(1)]));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toMatchObject({ error: 'OVERLOADED', status: 'refused' });
  });

  it('rejects an invalid index name, a bad encoding and a bad content type before reading', async () => {
    const { app, node } = fakeGateway();
    expect((await app.request('/api/Bad/document/stream', ndjson([doc(1)]))).status).toBe(400);
    expect(
      (await app.request('/api/ok/document/stream', ndjson([doc(1)], { 'content-encoding': 'zstd' }))).status,
    ).toBe(415);
    expect(
      (await app.request('/api/ok/document/stream', ndjson([doc(1)], { 'content-type': 'image/png' })))
        .status,
    ).toBe(415);
    expect(node.ops).toHaveLength(0);
  });

  it('does not treat an index error from a later op as an item error', async () => {
    const { app, node } = fakeGateway();
    node.intercept = (op) =>
      op.type === 'BulkWrite' ? Promise.reject(new IndexNotFoundError('logs')) : undefined;
    const response = await app.request('/api/logs/document/stream', ndjson([doc(1)]));
    expect(response.status).toBe(404);
  });
});
