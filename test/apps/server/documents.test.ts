/**
 * Document routes in-process: PUT/GET/DELETE, _bulk, _bulk/delete, and every bad-input
 * case (400, 404, 413, 415) with the error shape.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { fakeGateway, jsonInit } from './fake-node.js';

describe('document routes', () => {
  it('writes, reads and deletes a document with snake_case answers', async () => {
    const { app, node } = fakeGateway();
    const put = await app.request(
      '/api/books/document',
      jsonInit('PUT', { id: 'b1', doc: { title: 'Dune' } }),
    );
    expect(put.status).toBe(200);
    const written = (await put.json()) as Record<string, unknown>;
    expect(written).toEqual({ id: 'b1', result: 'created', version: 1, shard_id: expect.any(Number) });
    expect(node.ops[0]).toEqual({
      type: 'Write',
      index: 'books',
      id: 'b1',
      doc: { title: 'Dune' },
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(put.headers.get('x-request-id')).toBe((node.ops[0] as { requestId: string }).requestId);

    const again = await app.request(
      '/api/books/document',
      jsonInit('PUT', { id: 'b1', routing_key: 'r', doc: { title: 'Dune II' } }),
    );
    expect(await again.json()).toMatchObject({ result: 'updated', version: 2 });
    expect(node.ops[1]).toMatchObject({ routingKey: 'r' });

    const get = await app.request('/api/books/document?id=b1');
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ title: 'Dune II' });
    expect(get.headers.get('etag')).toBe('"2"');

    const del = await app.request('/api/books/document?id=b1', { method: 'DELETE' });
    expect(await del.json()).toMatchObject({ id: 'b1', result: 'deleted' });
    const gone = await app.request('/api/books/document?id=b1');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({
      error: 'DOCUMENT_NOT_FOUND',
      details: { id: 'b1', index: 'books' },
    });
    const deleteAgain = await app.request('/api/books/document?id=b1', { method: 'DELETE' });
    expect(deleteAgain.status).toBe(404);
  });

  it('answers 404 INDEX_NOT_FOUND for an unknown index', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/api/nothing/document?id=x');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'INDEX_NOT_FOUND', details: { index: 'nothing' } });
  });

  it('bulk writes report per-item errors with the caller positions', async () => {
    const { app, node } = fakeGateway();
    const response = await app.request(
      '/api/people/_bulk',
      jsonInit('POST', [
        { id: 'a', doc: { age: 3 } },
        { id: 'b', doc: 'not an object' },
        { id: 'c', doc: { age: 'old' } },
        { id: 'd', routing_key: 'k', doc: {} },
        { doc: {} },
      ]),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items_received: number;
      items_written: number;
      errors: unknown[];
    };
    expect(body.items_received).toBe(5);
    expect(body.items_written).toBe(2);
    expect(body.errors).toEqual([
      { position: 1, id: 'b', error: 'VALIDATION_ERROR', message: expect.stringContaining('doc') },
      { position: 2, id: 'c', error: 'FIELD_TYPE_ERROR', message: expect.stringContaining('age') },
      { position: 4, id: '', error: 'VALIDATION_ERROR', message: expect.stringContaining('id') },
    ]);
    // Only the valid items reached the router, in one BulkWrite.
    expect(node.ops).toHaveLength(1);
    expect(node.ops[0]).toMatchObject({
      type: 'BulkWrite',
      items: [{ id: 'a' }, { id: 'c' }, { id: 'd', routingKey: 'k' }],
    });
    expect(typeof (body as { duration_ms?: unknown }).duration_ms).toBe('number');
  });

  it('bulk deletes accept ids and {id, routing_key}', async () => {
    const { app } = fakeGateway();
    await app.request(
      '/api/p/_bulk',
      jsonInit('POST', [
        { id: 'a', doc: {} },
        { id: 'b', doc: {} },
      ]),
    );
    const response = await app.request(
      '/api/p/_bulk/delete',
      jsonInit('POST', ['a', { id: 'b', routing_key: 'x' }, 'zz', 5]),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ items_received: 4, items_deleted: 2 });
    expect(body['errors']).toEqual([
      { position: 3, id: '', error: 'VALIDATION_ERROR', message: expect.any(String) },
    ]);
  });

  it('rejects a bulk body that is not an array, or has too many items', async () => {
    const { app } = fakeGateway({ maxBulkItems: 2 });
    const notArray = await app.request('/api/p/_bulk', jsonInit('POST', { id: 'a', doc: {} }));
    expect(notArray.status).toBe(400);
    expect(await notArray.json()).toMatchObject({
      error: 'VALIDATION_ERROR',
      details: { message: expect.stringContaining('array') },
    });
    const tooMany = await app.request('/api/p/_bulk', jsonInit('POST', [1, 2, 3]));
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ details: { items: 3, limit: 2 } });
  });
});

describe('bad input', () => {
  const cases: Array<[string, RequestInit, string, RegExp]> = [
    ['malformed JSON', jsonInit('PUT', '{"id": "a", "doc": {'), 'VALIDATION_ERROR', /malformed JSON/],
    ['an empty body', jsonInit('PUT', ''), 'VALIDATION_ERROR', /empty/],
    ['a wrong type', jsonInit('PUT', { id: 5, doc: {} }), 'VALIDATION_ERROR', /id: .*string/],
    [
      'an unknown top-level field',
      jsonInit('PUT', { id: 'a', doc: {}, extra: 1 }),
      'VALIDATION_ERROR',
      /extra/,
    ],
    ['a missing doc', jsonInit('PUT', { id: 'a' }), 'VALIDATION_ERROR', /doc/],
    ['an empty id', jsonInit('PUT', { id: '', doc: {} }), 'VALIDATION_ERROR', /id/],
    [
      'an id over 512 bytes',
      jsonInit('PUT', { id: 'é'.repeat(257), doc: {} }),
      'VALIDATION_ERROR',
      /512 bytes/,
    ],
    [
      'a __proto__ key in the doc',
      jsonInit('PUT', '{"id":"a","doc":{"x":{"__proto__":{"polluted":true}}}}'),
      'VALIDATION_ERROR',
      /__proto__/,
    ],
    [
      'a document nested too deep',
      jsonInit('PUT', `{"id":"a","doc":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`),
      'VALIDATION_ERROR',
      /nested deeper/,
    ],
  ];
  it.each(cases)('answers 400 for %s, naming the problem', async (_name, init, code, message) => {
    const { app, node } = fakeGateway();
    const response = await app.request('/api/books/document', init);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; details: { message: string } };
    expect(body.error).toBe(code);
    expect(body.details.message).toMatch(message);
    expect(node.ops).toHaveLength(0);
  });

  it('answers 400 INVALID_ID for an invalid index name', async () => {
    const { app } = fakeGateway();
    for (const name of ['Books', '_hidden', 'a'.repeat(65), 'sp%20ace']) {
      const response = await app.request(`/api/${name}/document?id=1`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'INVALID_ID', details: { kind: 'IndexName' } });
    }
  });

  it('answers 400 when the id query parameter is missing', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/api/books/document');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: { parameter: 'id' } });
  });

  it('answers 413 from Content-Length before reading, and while streaming a chunked body', async () => {
    const { app, node } = fakeGateway({ maxBodyBytes: 100 });
    const big = JSON.stringify({ id: 'a', doc: { text: 'x'.repeat(200) } });
    const declared = await app.request(
      '/api/books/document',
      jsonInit('PUT', big, { 'content-length': String(big.length) }),
    );
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({
      error: 'PAYLOAD_TOO_LARGE',
      details: { limit_bytes: 100 },
    });

    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i += 1)
          controller.enqueue(new TextEncoder().encode(big.slice(i * 30, i * 30 + 30)));
        controller.close();
      },
    });
    const streamed = await app.request('/api/books/document', {
      method: 'PUT',
      body: chunked,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(node.ops).toHaveLength(0);
  });

  it('counts the decompressed size of a gzip body (a gzip bomb is 413)', async () => {
    const { app } = fakeGateway({ maxBodyBytes: 10_000 });
    const bomb = gzipSync(JSON.stringify({ id: 'a', doc: { text: 'a'.repeat(1_000_000) } }));
    expect(bomb.length).toBeLessThan(10_000);
    const response = await app.request(
      '/api/books/document',
      jsonInit('PUT', bomb, { 'content-encoding': 'gzip' }),
    );
    expect(response.status).toBe(413);
  });

  it('accepts a gzip body and decompresses it', async () => {
    const { app, node } = fakeGateway();
    const body = gzipSync(JSON.stringify({ id: 'z', doc: { title: 'zipped' } }));
    const response = await app.request(
      '/api/books/document',
      jsonInit('PUT', body, { 'content-encoding': 'gzip' }),
    );
    expect(response.status).toBe(200);
    expect(node.ops[0]).toMatchObject({ id: 'z', doc: { title: 'zipped' } });
  });

  it('answers 400 for a corrupt gzip body', async () => {
    const { app } = fakeGateway();
    const response = await app.request(
      '/api/books/document',
      jsonInit('PUT', 'not gzip at all', { 'content-encoding': 'gzip' }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'VALIDATION_ERROR',
      details: { message: expect.stringContaining('cannot read request body') },
    });
  });

  it('answers 415 for an unsupported Content-Encoding or Content-Type', async () => {
    const { app } = fakeGateway();
    const brotli = await app.request(
      '/api/books/document',
      jsonInit('PUT', { id: 'a', doc: {} }, { 'content-encoding': 'br' }),
    );
    expect(brotli.status).toBe(415);
    expect(await brotli.json()).toMatchObject({
      error: 'UNSUPPORTED_MEDIA_TYPE',
      details: { content_encoding: 'br' },
    });
    const form = await app.request('/api/books/document', {
      method: 'PUT',
      body: 'id=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
  });

  it('answers 404 ROUTE_NOT_FOUND with the error shape for unknown paths', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/api/books/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: 'ROUTE_NOT_FOUND',
      details: { path: '/api/books/nothing-here' },
    });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/api/books/document', { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('PUT, GET, DELETE');
    expect(await response.json()).toMatchObject({
      error: 'METHOD_NOT_ALLOWED',
      details: { allowed: ['PUT', 'GET', 'DELETE'] },
    });
  });

  it('echoes a valid client X-Request-Id but never sends it to the node', async () => {
    const { app, node } = fakeGateway();
    const put = await app.request(
      '/api/books/document',
      jsonInit('PUT', { id: 'a', doc: {} }, { 'x-request-id': 'client-trace-1' }),
    );
    expect(put.headers.get('x-request-id')).toBe('client-trace-1');
    expect((node.ops[0] as { requestId: string }).requestId).not.toBe('client-trace-1');
    const bad = await app.request('/api/books/document?id=a', { headers: { 'x-request-id': 'has space' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
