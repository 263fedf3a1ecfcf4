/**
 * CameoClient against a programmable fake server: retries on 503 honouring Retry-After,
 * typed errors without retry on 400, timeouts, cancellation, connection failures, the API
 * key header and the request shapes of each endpoint.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import {
  CameoClient,
  CameoConnectionError,
  CameoHttpError,
  CameoProtocolError,
  CameoTimeoutError,
  CancelledError,
  type RetryEvent,
} from '../../../apps/sdk/index.js';
import { readBody, sendJson, startTestServer, type TestServer } from '../support/http-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CameoClient retries', () => {
  it('retries a 503 after the Retry-After the server asked for, then succeeds', async () => {
    let calls = 0;
    server = await startTestServer((_request, response) => {
      calls += 1;
      if (calls === 1) {
        sendJson(response, 503, { error: 'overloaded', details: { queue: 99 } }, { 'retry-after': '1' });
      } else {
        sendJson(response, 200, { status: 'green', node_id: 'n1' });
      }
    });
    const retries: RetryEvent[] = [];
    const client = new CameoClient({ url: server.url, onRetry: (event) => retries.push(event) });
    const started = Date.now();
    const health = await client.health();
    expect(health.status).toBe('green');
    expect(calls).toBe(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.status).toBe(503);
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // The same request id on both attempts, so a server can recognise the replay.
    const ids = server.requests.map((request) => request.headers['x-request-id']);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });

  it('gives up after `retries` attempts with a typed 503 error carrying Retry-After', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, 503, { error: 'overloaded' }, { 'retry-after': '0' }),
    );
    const client = new CameoClient({ url: server.url, retries: 2 });
    const error = await client.search('books', { query: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CameoHttpError);
    const httpError = error as CameoHttpError;
    expect(httpError.code).toBe('HTTP_UNAVAILABLE');
    expect(httpError.attempts).toBe(3);
    expect(httpError.retryAfterMs).toBe(0);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a non-idempotent call (drop index) on 503', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, 503, { error: 'overloaded' }, { 'retry-after': '0' }),
    );
    const client = new CameoClient({ url: server.url, retries: 5 });
    await expect(client.dropIndex('books')).rejects.toBeInstanceOf(CameoHttpError);
    expect(server.requests).toHaveLength(1);
  });

  it('backs off exponentially without Retry-After', async () => {
    let calls = 0;
    server = await startTestServer((_request, response) => {
      calls += 1;
      if (calls <= 2) sendJson(response, 503, { error: 'busy' });
      else sendJson(response, 200, { indexes: [], total_indexes: 0, node_id: 'n', took_ms: 0 });
    });
    const retries: RetryEvent[] = [];
    const client = new CameoClient({
      url: server.url,
      retryBaseDelayMs: 10,
      onRetry: (event) => retries.push(event),
    });
    await client.listIndexes();
    expect(retries.map((event) => event.attempt)).toEqual([2, 3]);
    expect(retries[0]?.delayMs).toBeLessThan(10);
    expect(retries[1]?.delayMs).toBeLessThan(20);
  });
});

describe('CameoClient errors', () => {
  it('turns a 400 into a typed error with the server body, without retrying', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, 400, {
        error: 'QUERY_SYNTAX_ERROR',
        details: { message: 'unexpected end of query at position 4', position: 4 },
      }),
    );
    const client = new CameoClient({ url: server.url });
    const error = await client.search('books', { query: 'a AND' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CameoHttpError);
    const httpError = error as CameoHttpError;
    expect(httpError.status).toBe(400);
    expect(httpError.code).toBe('HTTP_BAD_REQUEST');
    expect(httpError.serverError).toBe('QUERY_SYNTAX_ERROR');
    expect(httpError.details).toEqual({ message: 'unexpected end of query at position 4', position: 4 });
    expect(httpError.message).toBe(
      'POST /api/books/search failed with 400: QUERY_SYNTAX_ERROR (unexpected end of query at position 4)',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a non-JSON error body as text', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    });
    const error = await new CameoClient({ url: server.url }).health().catch((caught: unknown) => caught);
    expect((error as CameoHttpError).code).toBe('HTTP_BAD_GATEWAY');
    expect((error as CameoHttpError).serverError).toBe('<html>bad gateway</html>');
  });

  it('reports a 2xx body that is not JSON as a protocol error', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status": "gre');
    });
    await expect(new CameoClient({ url: server.url }).health()).rejects.toBeInstanceOf(CameoProtocolError);
  });

  it('times out a slow response with a typed timeout error', async () => {
    const timers: NodeJS.Timeout[] = [];
    server = await startTestServer((_request, response) => {
      timers.push(setTimeout(() => sendJson(response, 200, { status: 'green', node_id: 'n' }), 3000));
    });
    const client = new CameoClient({ url: server.url, timeoutMs: 200 });
    const started = Date.now();
    const error = await client.health().catch((caught: unknown) => caught);
    for (const timer of timers) clearTimeout(timer);
    expect(error).toBeInstanceOf(CameoTimeoutError);
    expect((error as CameoTimeoutError).code).toBe('CLIENT_TIMEOUT');
    expect((error as CameoTimeoutError).timeoutMs).toBe(200);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('reports the caller cancelling as CancelledError', async () => {
    const timers: NodeJS.Timeout[] = [];
    server = await startTestServer((_request, response) => {
      timers.push(setTimeout(() => sendJson(response, 200, {}), 3000));
    });
    const controller = new AbortController();
    const pending = new CameoClient({ url: server.url }).health({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((caught: unknown) => caught);
    for (const timer of timers) clearTimeout(timer);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).code).toBe('CANCELLED');
  });

  it('reports a refused connection as CameoConnectionError', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const error = await new CameoClient({ url: `http://127.0.0.1:${port}` })
      .health()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CameoConnectionError);
    expect((error as CameoConnectionError).code).toBe('CONNECTION_FAILED');
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

describe('CameoClient requests', () => {
  it('sends each endpoint its method, path, query and snake_case body, with the API key', async () => {
    const bodies: string[] = [];
    server = await startTestServer(async (request, response) => {
      bodies.push(await readBody(request));
      sendJson(response, 200, { ok: true });
    });
    const client = new CameoClient({ url: `${server.url}/`, apiKey: 'secret-key' });
    await client.put('books', 'b/1', { title: 'Dune' }, { routingKey: 'r1' });
    await client.get('books', 'b/1');
    await client.delete('books', 'b/1');
    await client.bulkWrite('books', [{ id: '1', doc: { a: 1 } }]);
    await client.bulkDelete('books', ['1', { id: '2', routing_key: 'r' }]);
    await client.search('books', { query: 'dune', limit: 5, sort: { field: 'year', order: 'asc' } });
    await client.getSchema('books');
    await client.putSchema('books', { fields: [{ name: 'title', type: 'text' }] });
    await client.dropIndex('books');
    await client.listIndexes();
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'PUT /api/books/document',
      'GET /api/books/document?id=b%2F1',
      'DELETE /api/books/document?id=b%2F1',
      'POST /api/books/_bulk',
      'POST /api/books/_bulk/delete',
      'POST /api/books/search',
      'GET /api/books/_config',
      'PUT /api/books/_config',
      'DELETE /api/books',
      'GET /_indexes',
    ]);
    expect(JSON.parse(bodies[0] ?? '')).toEqual({ id: 'b/1', routing_key: 'r1', doc: { title: 'Dune' } });
    expect(JSON.parse(bodies[4] ?? '')).toEqual(['1', { id: '2', routing_key: 'r' }]);
    expect(JSON.parse(bodies[5] ?? '')).toEqual({
      query: 'dune',
      limit: 5,
      sort: { field: 'year', order: 'asc' },
    });
    for (const request of server.requests) expect(request.headers.authorization).toBe('Bearer secret-key');
  });

  it('sends no Authorization header without an API key', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, { status: 'green' }));
    await new CameoClient({ url: server.url }).health();
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('patchSchema merges fields by name into the current schema and leaves the version to the server', async () => {
    let stored: unknown = {
      fields: [
        { name: 'title', type: 'text', indexed: true, stored: true, fast: false },
        { name: 'year', type: 'i64', indexed: true, stored: true, fast: true },
      ],
      dynamic: true,
      version: 3,
    };
    server = await startTestServer(async (request, response) => {
      if (request.method === 'GET') return sendJson(response, 200, stored);
      stored = JSON.parse(await readBody(request));
      sendJson(response, 200, { acknowledged: true });
    });
    await new CameoClient({ url: server.url }).patchSchema('books', {
      fields: [
        { name: 'year', type: 'i64', fast: false },
        { name: 'price', type: 'f64' },
      ],
      dynamic: false,
    });
    expect(stored).toEqual({
      fields: [
        { name: 'title', type: 'text', indexed: true, stored: true, fast: false },
        { name: 'year', type: 'i64', indexed: true, stored: true, fast: false },
        { name: 'price', type: 'f64' },
      ],
      dynamic: false,
    });
  });

  it('patchSchema creates the schema of an index that does not exist yet', async () => {
    let stored: unknown;
    server = await startTestServer(async (request, response) => {
      if (request.method === 'GET') return sendJson(response, 404, { error: 'index not found' });
      stored = JSON.parse(await readBody(request));
      sendJson(response, 200, {});
    });
    await new CameoClient({ url: server.url }).patchSchema('fresh', {
      fields: [{ name: 'a', type: 'string' }],
    });
    expect(stored).toEqual({ fields: [{ name: 'a', type: 'string' }] });
  });
});
