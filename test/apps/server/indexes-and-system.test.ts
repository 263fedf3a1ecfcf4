/** Index routes (_config, drop, _indexes) and the system routes (health, metrics, openapi) in-process. */
import { describe, expect, it } from '@jest/globals';
import { openApiDocument } from '../../../apps/server/index.js';
import { fakeGateway, jsonInit } from './fake-node.js';

describe('index configuration', () => {
  it('creates, reads, updates and drops an index schema (snake_case over HTTP)', async () => {
    const { app, node } = fakeGateway();
    const body = {
      fields: [
        { name: 'title', type: 'text', weight: 2 },
        { name: 'year', type: 'i64' },
        { name: 'tenant', type: 'string', indexed: true, stored: false },
      ],
      routing_field: 'tenant',
      dynamic: false,
    };
    const created = await app.request('/api/books/_config', jsonInit('PUT', body));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ index: 'books', created: true, schema: { version: 1 } });
    expect(node.ops[0]).toEqual({
      type: 'CreateConfig',
      schema: {
        name: 'books',
        fields: [
          { name: 'title', type: 'text', indexed: true, stored: true, fast: false, weight: 2 },
          { name: 'year', type: 'i64', indexed: true, stored: true, fast: true },
          { name: 'tenant', type: 'string', indexed: true, stored: false, fast: true },
        ],
        defaultSearchFields: ['title'],
        routingField: 'tenant',
        dynamic: false,
        version: 0,
      },
    });
    const read = await app.request('/api/books/_config');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      name: 'books',
      default_search_fields: ['title'],
      routing_field: 'tenant',
      version: 1,
    });

    const updated = await app.request('/api/books/_config', jsonInit('PUT', { ...body, dynamic: true }));
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ created: false, schema: { version: 2, dynamic: true } });

    const dropped = await app.request('/api/books', { method: 'DELETE' });
    expect(await dropped.json()).toEqual({ index: 'books', dropped: true });
    expect((await app.request('/api/books/_config')).status).toBe(404);
    expect((await app.request('/api/books', { method: 'DELETE' })).status).toBe(404);
  });

  it('rejects bad schemas with 400 naming the problem', async () => {
    const { app } = fakeGateway();
    const cases: Array<[unknown, RegExp]> = [
      [{ fields: [{ name: 'a', type: 'varchar' }] }, /fields\.0\.type/],
      [
        {
          fields: [
            { name: 'a', type: 'text' },
            { name: 'a', type: 'i64' },
          ],
        },
        /defined twice/,
      ],
      [{ fields: [], default_search_fields: ['nope'] }, /"nope" is referenced/],
      [{ fields: [], name: 'other' }, /does not match/],
      [{ fields: [], shards: 3 }, /shards/],
    ];
    for (const [body, message] of cases) {
      const response = await app.request('/api/books/_config', jsonInit('PUT', body));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { details: { message: string } }).details.message).toMatch(message);
    }
  });

  it('lists indexes with their sizes', async () => {
    const { app, node } = fakeGateway();
    await app.request(
      '/api/a/_bulk',
      jsonInit('POST', [
        { id: '1', doc: { x: 1 } },
        { id: '2', doc: { x: 2 } },
      ]),
    );
    const response = await app.request('/_indexes');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      indexes: [
        { name: 'a', document_count: 2, index_size_bytes: expect.any(Number), shard_count: 4, fields: [] },
      ],
      total_indexes: 1,
      node_id: node.nodeId,
    });
  });
});

describe('system routes', () => {
  it('reports cluster health from the node', async () => {
    const { app, node } = fakeGateway();
    node.healthStatus = 'yellow';
    await app.request('/api/a/document', jsonInit('PUT', { id: '1', doc: {} }));
    const response = await app.request('/_cluster/health');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown> & {
      shards: Array<{ documents: number }>;
    };
    expect(body).toMatchObject({
      status: 'yellow',
      node_id: node.nodeId,
      node_name: 'fake-node',
      total_shards: 4,
      active_shards: 4,
      queue_depths: { router_mailbox: 0, worker_queues: { writers: 0, readers: 0 }, http_in_flight: 0 },
    });
    expect(body.shards.reduce((sum, shard) => sum + shard.documents, 0)).toBe(1);
  });

  it('exposes Prometheus metrics by route pattern and status, merged with the node registry', async () => {
    const { app } = fakeGateway();
    await app.request('/api/a/document', jsonInit('PUT', { id: '1', doc: {} }));
    await app.request('/api/a/document?id=1');
    await app.request('/api/a/document?id=missing');
    await app.request('/api/a/search', jsonInit('POST', { query: 'x' }));
    await app.request(
      '/api/a/_bulk',
      jsonInit('POST', [
        { id: '2', doc: {} },
        { id: '3', doc: {} },
      ]),
    );
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain(
      'cameodb_http_requests_total{method="GET",route="/api/:index/document",status="200"} 1',
    );
    expect(text).toContain(
      'cameodb_http_requests_total{method="GET",route="/api/:index/document",status="404"} 1',
    );
    expect(text).toContain(
      'cameodb_http_request_duration_seconds_bucket{le="+Inf",method="PUT",route="/api/:index/document",status="200"} 1',
    );
    expect(text).toContain('cameodb_http_documents_written_total 3');
    expect(text).toContain('cameodb_http_searches_total{kind="search"} 1');
    expect(text).toContain('cameodb_fake_router_mailbox_depth 3');
  });

  it('labels unknown paths as unmatched so raw paths never become label values', async () => {
    const { app } = fakeGateway();
    await app.request('/random/path/123');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain('/random/path/123');
  });
});

describe('openapi.json', () => {
  it('is an OpenAPI 3.1 document that is served', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/openapi.json');
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('documents every registered route, and registers every documented operation', () => {
    const { app } = fakeGateway();
    const registered = new Set(
      app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
    );
    const documented = new Set<string>();
    const paths = openApiDocument()['paths'] as Record<string, Record<string, unknown>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const method of Object.keys(item))
        if (method !== 'parameters') documented.add(`${method} ${path}`);
    }
    expect([...registered].sort()).toEqual([...documented].sort());
    expect(registered.size).toBe(19);
  });

  it('resolves every $ref to a component schema', () => {
    const document = openApiDocument();
    const schemas = (document['components'] as { schemas: Record<string, unknown> }).schemas;
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map(
      (match) => match[1],
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(schemas).toHaveProperty(name as string);
  });
});
