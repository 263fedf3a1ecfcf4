/**
 * The real `cameodb` server process on a random port with a temporary data directory,
 * driven over HTTP: every endpoint, the bad-input cases, and durability across SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

// Starting a node compiles its worker threads' TypeScript: give the suite room on a busy machine.
jest.setTimeout(120_000);

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body =
      typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON and Prometheus text stay strings.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

describe('cameodb server end to end', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({ readyTimeoutMs: 90_000 });
  }, 120_000);

  afterAll(async () => {
    await server?.cleanup();
  });

  it('creates a schema, writes, reads, searches and deletes documents', async () => {
    const schema = await call(server, 'PUT', '/api/books/_config', {
      fields: [
        { name: 'title', type: 'text', weight: 2 },
        { name: 'body', type: 'text' },
        { name: 'genre', type: 'string' },
        { name: 'year', type: 'i64' },
      ],
    });
    expect(schema.status).toBe(201);
    expect((await call(server, 'GET', '/api/books/_config')).body.fields).toHaveLength(4);

    const put = await call(server, 'PUT', '/api/books/document', {
      id: 'dune',
      doc: { title: 'Dune', body: 'spice and sand worms', genre: 'sf', year: 1965 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 'dune', result: 'created', version: 1 });
    expect(typeof put.body.shard_id).toBe('number');

    const bulk = await call(server, 'POST', '/api/books/_bulk', [
      { id: 'emma', doc: { title: 'Emma', body: 'matchmaking in a village', genre: 'classic', year: 1815 } },
      { id: 'bad-year', doc: { title: 'Broken', year: 'nineteen' } },
      {
        id: 'neuromancer',
        doc: { title: 'Neuromancer', body: 'cyberspace and sand', genre: 'sf', year: 1984 },
      },
    ]);
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ items_received: 3, items_written: 2 });
    expect(bulk.body.errors).toEqual([expect.objectContaining({ position: 1, id: 'bad-year' })]);

    const got = await call(server, 'GET', '/api/books/document?id=emma');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ title: 'Emma', year: 1815 });

    const search = await call(server, 'POST', '/api/books/search', {
      query: 'sand AND genre:sf',
      sort: { field: 'year', order: 'asc' },
      fields: ['title'],
      highlight: true,
    });
    expect(search.status).toBe(200);
    expect(search.body.hits.map((hit: { _id: string }) => hit._id)).toEqual(['dune', 'neuromancer']);
    expect(search.body).toMatchObject({ total_hits: 2, total_shards: 4, failed_shards: 0 });
    expect(search.body.hits[0].title).toBe('Dune');

    const ranged = await call(server, 'POST', '/api/books/search', { query: 'year:[1900 TO *]' });
    expect(ranged.body.hits.map((hit: { _id: string }) => hit._id).sort()).toEqual(['dune', 'neuromancer']);

    const stream = await call(server, 'POST', '/api/books/search/stream', { query: '*', limit: 10 });
    const lines = String(stream.body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(4);
    expect(lines[3]._footer).toMatchObject({ total_hits: 3, hits_returned: 3 });

    const deleted = await call(server, 'DELETE', '/api/books/document?id=emma');
    expect(deleted.body).toMatchObject({ id: 'emma', result: 'deleted' });
    expect((await call(server, 'GET', '/api/books/document?id=emma')).status).toBe(404);

    const bulkDelete = await call(server, 'POST', '/api/books/_bulk/delete', ['dune', { id: 'neuromancer' }]);
    expect(bulkDelete.body).toMatchObject({ items_received: 2, items_deleted: 2 });
  });

  it('ingests NDJSON in micro-batches and reports bad lines by number', async () => {
    const lines = [
      JSON.stringify({ id: 'n1', doc: { text: 'first line' } }),
      '{not json',
      JSON.stringify({ id: 'n2', doc: { text: 'second good line' } }),
      '',
      JSON.stringify({ id: 'n3', doc: { text: 'third good line' } }),
    ].join('\n');
    const response = await call(server, 'POST', '/api/notes/document/stream', gzipSync(lines), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'partial', items_written: 3 });
    expect(response.body.errors).toEqual([expect.objectContaining({ line: 2 })]);
    const search = await call(server, 'POST', '/api/notes/search', { query: 'good' });
    expect(search.body.total_hits).toBe(2);
  });

  it('lists indexes, reports health, metrics and its OpenAPI document', async () => {
    const indexes = await call(server, 'GET', '/_indexes');
    expect(indexes.body.indexes.map((index: { name: string }) => index.name)).toEqual(['books', 'notes']);
    expect(indexes.body.indexes[1]).toMatchObject({ document_count: 3, shard_count: 4 });

    const health = await call(server, 'GET', '/_cluster/health');
    expect(health.body).toMatchObject({ status: 'green', total_shards: 4, active_shards: 4 });

    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.body).toContain('cameodb_http_requests_total');
    expect(metrics.body).toMatch(/cameodb_actor_mailbox_depth|mailbox/);

    const openapi = await call(server, 'GET', '/openapi.json');
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths)).toContain('/api/{index}/search');
  });

  it('answers bad input with clear errors and the right status', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', '/api/books/document', '{"id": "x", "doc": ', 400, 'VALIDATION_ERROR'],
      ['PUT', '/api/books/document', { id: 7, doc: {} }, 400, 'VALIDATION_ERROR'],
      ['PUT', '/api/books/document', { id: 'x', doc: {}, surprise: 1 }, 400, 'VALIDATION_ERROR'],
      ['PUT', '/api/Bad%20Name/document', { id: 'x', doc: {} }, 400, 'INVALID_ID'],
      ['POST', '/api/books/search', { query: 'title:(dune' }, 400, 'QUERY_SYNTAX_ERROR'],
      ['POST', '/api/books/search', { query: 'dune', limit: 9000, offset: 9000 }, 400, 'VALIDATION_ERROR'],
      ['GET', '/api/missing/document?id=x', undefined, 404, 'INDEX_NOT_FOUND'],
      ['POST', '/api/missing/search', { query: 'x' }, 404, 'INDEX_NOT_FOUND'],
      ['PUT', '/api/books/_config', { fields: [{ name: 'year', type: 'text' }] }, 409, 'SCHEMA_CONFLICT'],
    ];
    // Populate books again so the conflicting schema change is refused.
    await call(server, 'PUT', '/api/books/document', { id: 'again', doc: { title: 'Again', year: 2000 } });
    for (const [method, path, body, status, code] of cases) {
      const response = await call(server, method, path, body);
      expect([method, path, response.status, response.body.error]).toEqual([method, path, status, code]);
      expect(response.body).toHaveProperty('details');
    }
    const syntax = await call(server, 'POST', '/api/books/search', { query: 'title:(dune' });
    expect(typeof syntax.body.details.position).toBe('number');

    const tooLarge = await call(server, 'PUT', '/api/books/document', {
      id: 'big',
      doc: { text: 'x'.repeat(11 * 1024 * 1024) },
    });
    expect(tooLarge.status).toBe(413);

    const brotli = await call(
      server,
      'PUT',
      '/api/books/document',
      { id: 'x', doc: {} },
      { 'content-encoding': 'br' },
    );
    expect(brotli.status).toBe(415);

    const proto = await call(
      server,
      'PUT',
      '/api/books/document',
      '{"id":"p","doc":{"__proto__":{"admin":true}}}',
    );
    expect(proto.status).toBe(400);
  });
});

describe('durability across kill -9', () => {
  it('keeps every acknowledged write readable and searchable after SIGKILL and restart', async () => {
    const first = await startServerProcess({ readyTimeoutMs: 90_000 });
    const dataPath = first.dataPath;
    const acknowledged: string[] = [];
    try {
      let stop = false;
      const writers = Array.from({ length: 16 }, async (_, writer) => {
        for (let i = 0; !stop; i++) {
          const id = `w${writer}-${i}`;
          try {
            const response = await fetch(`${first.url}/api/durable/document`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ id, doc: { text: `durable record ${id} marker`, n: i } }),
            });
            if (response.status === 200) acknowledged.push(id);
          } catch {
            return; // the server died under us: this write was never acknowledged
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await first.stop('SIGKILL')).toBe('SIGKILL');
      stop = true;
      await Promise.all(writers);
    } finally {
      first.child.kill('SIGKILL');
    }
    expect(acknowledged.length).toBeGreaterThan(20);

    const second = await startServerProcess({ dataPath, readyTimeoutMs: 90_000 });
    try {
      for (const id of acknowledged) {
        const response = await fetch(`${second.url}/api/durable/document?id=${encodeURIComponent(id)}`);
        expect([id, response.status]).toEqual([id, 200]);
      }
      const search = await call(second, 'POST', '/api/durable/search', { query: 'marker', limit: 1 });
      expect(search.body.total_hits).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await second.cleanup();
      const { rmSync } = await import('node:fs');
      rmSync(dataPath, { recursive: true, force: true });
    }
  }, 240_000);
});
