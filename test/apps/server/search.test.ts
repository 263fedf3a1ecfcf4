/** Search routes in-process: JSON answer, NDJSON stream with footer, the result window and query errors. */
import { describe, expect, it } from '@jest/globals';
import { fakeGateway, jsonInit } from './fake-node.js';

async function seeded() {
  const gateway = fakeGateway();
  const items = Array.from({ length: 30 }, (_unused, i) => ({
    id: `d${String(i).padStart(2, '0')}`,
    doc: { title: i % 2 === 0 ? `even dune ${i}` : `odd ${i}`, n: i },
  }));
  const response = await gateway.app.request('/api/books/_bulk', jsonInit('POST', items));
  expect(response.status).toBe(200);
  gateway.node.ops.length = 0;
  return gateway;
}

describe('search', () => {
  it('maps the body to a Search op and the result to snake_case hits', async () => {
    const { app, node } = await seeded();
    const response = await app.request(
      '/api/books/search',
      jsonInit('POST', {
        query: 'dune',
        limit: 3,
        offset: 1,
        fields: ['title'],
        sort: { field: 'n', order: 'desc' },
        highlight: true,
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(node.ops[0]).toEqual({
      type: 'Search',
      index: 'books',
      search: {
        query: 'dune',
        limit: 3,
        offset: 1,
        fields: ['title'],
        sort: { field: 'n', order: 'desc' },
        highlight: true,
      },
    });
    expect(body).toMatchObject({
      hits_returned: 3,
      total_hits: 15,
      limit: 3,
      offset: 1,
      total_shards: 4,
      failed_shards: 0,
    });
    expect(body['hits']).toEqual([
      { _id: 'd02', _score: 1, title: 'even dune 2' },
      { _id: 'd04', _score: 1, title: 'even dune 4' },
      { _id: 'd06', _score: 1, title: 'even dune 6' },
    ]);
    expect(typeof body['took_ms']).toBe('number');
  });

  it('defaults to limit 10 and offset 0', async () => {
    const { app, node } = await seeded();
    await app.request('/api/books/search', jsonInit('POST', { query: 'dune' }));
    expect(node.ops[0]).toMatchObject({ search: { limit: 10, offset: 0 } });
  });

  it('answers 400 with the position for a query syntax error', async () => {
    const { app } = await seeded();
    const response = await app.request('/api/books/search', jsonInit('POST', { query: 'title:(dune' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'QUERY_SYNTAX_ERROR',
      details: { message: 'unclosed parenthesis at position 6', position: 6, query: 'title:(dune' },
    });
  });

  it('answers 400 when limit + offset exceeds the cap, before asking the node', async () => {
    const { app, node } = fakeGateway({ maxResultWindow: 100 });
    const response = await app.request(
      '/api/books/search',
      jsonInit('POST', { query: 'x', limit: 60, offset: 41 }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'VALIDATION_ERROR',
      details: { max_result_window: 100 },
    });
    expect(node.ops).toHaveLength(0);
  });

  it('answers 400 for bad search bodies naming the field', async () => {
    const { app } = fakeGateway();
    for (const [body, field] of [
      [{ query: 'x', limit: -1 }, 'limit'],
      [{ query: 'x', limit: '10' }, 'limit'],
      [{ query: 'x', sort: { field: 'n', order: 'up' } }, 'sort.order'],
      [{ query: 'x', size: 10 }, 'size'],
      [{ limit: 1 }, 'query'],
    ] as const) {
      const response = await app.request('/api/books/search', jsonInit('POST', body));
      expect(response.status).toBe(400);
      const json = (await response.json()) as { details: { message: string } };
      expect(json.details.message).toContain(field);
    }
  });

  it('answers 404 for an unknown index', async () => {
    const { app } = fakeGateway();
    const response = await app.request('/api/none/search', jsonInit('POST', { query: 'x' }));
    expect(response.status).toBe(404);
  });
});

describe('search stream', () => {
  it('streams one hit per line then a _footer line', async () => {
    const { app, node } = await seeded();
    const response = await app.request(
      '/api/books/search/stream',
      jsonInit('POST', { query: 'dune', limit: 1000 }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(node.ops[0]).toMatchObject({ type: 'Stream' });
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(16);
    expect(lines[0]).toMatchObject({ _id: 'd00', _score: 1, title: 'even dune 0' });
    expect(lines[15]).toEqual({
      _footer: {
        hits_returned: 15,
        total_hits: 15,
        limit: 1000,
        offset: 0,
        total_shards: 4,
        failed_shards: 0,
        nodes_contacted: 1,
        took_ms: expect.any(Number),
      },
    });
  });

  it('streams only the footer when nothing matches', async () => {
    const { app } = await seeded();
    const response = await app.request('/api/books/search/stream', jsonInit('POST', { query: 'zebra' }));
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ _footer: { hits_returned: 0, total_hits: 0 } });
  });
});
