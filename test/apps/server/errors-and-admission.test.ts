/**
 * The error mapping and admission control in-process: each error class's status and
 * shape, 503 + Retry-After from the in-flight cap, deadlines that end hung requests,
 * draining, and 500 with a logged stack.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import {
  ActorStoppedError,
  AskTimeoutError,
  OverloadedError,
  PeerGoneError,
  RemoteError,
  SchemaConflictError,
  StorageError,
  StorageFullError,
  type ClientOp,
} from '../../../messages/index.js';
import { fakeGateway, jsonInit, never } from './fake-node.js';

describe('error mapping', () => {
  const cases: Array<[string, Error, number, string]> = [
    ['OverloadedError', new OverloadedError('queue full'), 503, 'OVERLOADED'],
    ['AskTimeoutError', new AskTimeoutError('no reply in 5 ms'), 503, 'ASK_TIMEOUT'],
    ['PeerGoneError', new PeerGoneError('peer left'), 503, 'PEER_GONE'],
    ['ActorStoppedError', new ActorStoppedError('router stopped'), 503, 'ACTOR_STOPPED'],
    ['SchemaConflictError', new SchemaConflictError('type change'), 409, 'SCHEMA_CONFLICT'],
    ['StorageError', new StorageError('corrupt page'), 500, 'STORAGE_ERROR'],
    ['StorageFullError', new StorageFullError('the disk is full'), 507, 'STORAGE_FULL'],
    ['RemoteError', new RemoteError('WEIRD', 'odd remote failure'), 500, 'WEIRD'],
  ];
  it.each(cases)('maps %s to its status with {error, details}', async (_name, error, status, code) => {
    const { app, node } = fakeGateway({ retryAfterSeconds: 3 });
    node.intercept = () => Promise.reject(error);
    const response = await app.request('/api/books/document?id=1');
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: code, details: expect.objectContaining({ message: error.message }) });
    expect(response.headers.get('retry-after')).toBe(status === 503 ? '3' : null);
  });

  it('answers 500 INTERNAL_ERROR for an unknown error, hides its message, and logs the stack', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    );
    const { app, node } = fakeGateway({}, logger);
    node.intercept = () => Promise.reject(new TypeError('secret internals exploded'));
    const response = await app.request('/api/books/document?id=1');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: 'INTERNAL_ERROR',
      details: { message: 'internal server error' },
    });
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { stack?: string } });
    const failure = logged.find((entry) => entry.msg === 'request failed');
    expect(failure?.err?.stack).toContain('secret internals exploded');
  });

  it('answers 409 for a conflicting schema change on a populated index', async () => {
    const { app } = fakeGateway();
    const schema = { fields: [{ name: 'n', type: 'i64' }] };
    expect((await app.request('/api/t/_config', jsonInit('PUT', schema))).status).toBe(201);
    await app.request('/api/t/document', jsonInit('PUT', { id: 'a', doc: { n: 1 } }));
    const conflict = await app.request(
      '/api/t/_config',
      jsonInit('PUT', { fields: [{ name: 'n', type: 'text' }] }),
    );
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: 'SCHEMA_CONFLICT', details: { field: 'n' } });
  });
});

describe('admission control', () => {
  it('answers 503 + Retry-After above the in-flight cap and serves again once below it', async () => {
    const { app, node, gateway } = fakeGateway({
      maxInFlightRequests: 2,
      retryAfterSeconds: 2,
      requestTimeoutMs: 5_000,
    });
    const release: Array<() => void> = [];
    node.intercept = (op: ClientOp) =>
      op.type === 'Get'
        ? new Promise((resolve) => release.push(() => resolve(undefined))).then(() =>
            Promise.reject(new OverloadedError('x')),
          )
        : undefined;
    const first = app.request('/api/b/document?id=1');
    const second = app.request('/api/b/document?id=2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(gateway.inFlight).toBe(2);
    const third = await app.request('/api/b/document?id=3');
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('2');
    expect(await third.json()).toMatchObject({ error: 'OVERLOADED', details: { in_flight: 2, limit: 2 } });
    // Observability is never refused.
    expect((await app.request('/_cluster/health')).status).toBe(200);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('cameodb_http_rejected_total{reason="in_flight_cap"} 1');
    expect(metrics).toContain(
      'cameodb_http_requests_total{method="GET",route="/api/:index/document",status="503"} 1',
    );
    for (const done of release) done();
    await Promise.all([first, second]);
    expect(gateway.inFlight).toBe(0);
    node.intercept = undefined;
    await app.request('/api/b/document', jsonInit('PUT', { id: '1', doc: {} }));
    expect((await app.request('/api/b/document?id=1')).status).toBe(200);
  });

  it('ends a request whose node call never settles at the deadline with 503 REQUEST_TIMEOUT', async () => {
    const { app, node, gateway } = fakeGateway({ requestTimeoutMs: 150 });
    node.intercept = () => never();
    const started = Date.now();
    const response = await app.request('/api/books/search', jsonInit('POST', { query: 'x' }));
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'REQUEST_TIMEOUT', details: { timeout_ms: 150 } });
    expect(response.headers.get('retry-after')).toBe('1');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2_000);
    expect(gateway.inFlight).toBe(0);
  });

  it('passes the remaining deadline and an abort signal to the router', async () => {
    const { app, node } = fakeGateway({ requestTimeoutMs: 200 });
    let seen: { timeoutMs?: number; signal?: AbortSignal } | undefined;
    const ask = node.router.ask.bind(node.router);
    (node.router as { ask: unknown }).ask = (
      op: ClientOp,
      options?: { timeoutMs?: number; signal?: AbortSignal },
    ) => {
      seen = options;
      return ask(op, options);
    };
    node.intercept = () => never();
    await app.request('/api/books/document?id=1');
    expect(seen?.timeoutMs).toBeGreaterThan(0);
    expect(seen?.timeoutMs).toBeLessThanOrEqual(200);
    expect(seen?.signal?.aborted).toBe(true);
  });

  it('refuses new requests with 503 SHUTTING_DOWN while draining, and reports idle', async () => {
    const { app, node, gateway } = fakeGateway();
    let finish: (() => void) | undefined;
    node.intercept = (op) =>
      op.type === 'Get'
        ? new Promise((resolve) => (finish = () => resolve(undefined))).then(() => ({
            type: 'GetResult',
            id: '1',
            found: true,
            doc: { a: 1 },
            version: 1,
            shardId: 0,
            nodeId: node.nodeId,
          }))
        : undefined;
    const inFlight = app.request('/api/b/document?id=1');
    await new Promise((resolve) => setImmediate(resolve));
    gateway.startDraining();
    const refused = await app.request('/api/b/document?id=2');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: 'SHUTTING_DOWN' });
    expect(await gateway.waitUntilIdle(20)).toBe(false);
    const idle = gateway.waitUntilIdle(5_000);
    finish?.();
    expect((await inFlight).status).toBe(200);
    expect(await idle).toBe(true);
  });

  it('ends a hung health check at the deadline too', async () => {
    const { app, node } = fakeGateway({ requestTimeoutMs: 100 });
    node.health = () => never();
    const response = await app.request('/_cluster/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'REQUEST_TIMEOUT' });
  });

  it('gives each NDJSON batch its own deadline: a hung batch ends the ingest with 503, not a hang', async () => {
    const { app, node } = fakeGateway({ requestTimeoutMs: 100, streamBatchSize: 1 });
    let calls = 0;
    node.intercept = (op) => {
      if (op.type !== 'BulkWrite') return undefined;
      calls += 1;
      return calls === 1 ? undefined : never();
    };
    const lines = ['{"id":"a","doc":{}}', '{"id":"b","doc":{}}', '{"id":"c","doc":{}}'].join('\n');
    const response = await app.request('/api/logs/document/stream', { method: 'POST', body: lines });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'partial',
      items_written: 1,
      errors: [{ line: 2, error: 'REQUEST_TIMEOUT' }],
    });
    expect(calls).toBe(2);
  });
});
