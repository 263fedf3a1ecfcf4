/**
 * `data load` when the server misbehaves: a refused batch stops the load with an honest
 * summary (exit 1), a dropped connection exits 2, a 503 is retried and the load completes,
 * and the API key reaches the server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startTestServer, type TestServer } from '../support/http-server.js';
import { runCli } from '../support/cli-run.js';

let dir: string;
let file: string;
let server: TestServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cameodb-load-failures-'));
  file = join(dir, 'docs.jsonl');
  await writeFile(file, Array.from({ length: 30 }, (_, n) => JSON.stringify({ id: `d${n}`, n })).join('\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers the schema check of a load (the index is new) and the schema it then puts. */
function schemaRequest(request: IncomingMessage, response: ServerResponse): boolean {
  if (!request.url?.endsWith('/_config')) return false;
  if (request.method === 'GET') sendJson(response, 404, { error: 'INDEX_NOT_FOUND', details: {} });
  else request.resume().on('end', () => sendJson(response, 201, { created: true }));
  return true;
}

function accepted(items: unknown[]): Record<string, unknown> {
  return { items_received: items.length, items_written: items.length, errors: [], duration_ms: 1 };
}

describe('data load failures', () => {
  it('stops at a refused batch and says how much was written', async () => {
    let batches = 0;
    server = await startTestServer(async (request, response) => {
      if (schemaRequest(request, response)) return;
      const items = JSON.parse(await readBody(request)) as unknown[];
      batches += 1;
      if (batches === 2) {
        return sendJson(response, 413, { error: 'PAYLOAD_TOO_LARGE', details: { message: 'too big' } });
      }
      sendJson(response, 200, accepted(items));
    });
    const result = await runCli([
      '--connect',
      server.url,
      '--json',
      'data',
      'load',
      'x',
      file,
      '--id-column',
      'id',
      '--batch-size',
      '10',
    ]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { documents_written: number; aborted: string };
    // Batch 1 written; batch 2 refused; batch 3 may have been in flight (two at once) and written.
    expect([10, 20]).toContain(summary.documents_written);
    expect(summary.aborted).toContain('413 PAYLOAD_TOO_LARGE: too big');
    expect(batches).toBeLessThanOrEqual(3);
  });

  it('exits 2 when the server drops the connection', async () => {
    server = await startTestServer((request) => {
      request.socket.destroy();
    });
    const result = await runCli(['--connect', server.url, 'data', 'load', 'x', file, '--id-column', 'id']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('load stopped: 0 of');
    expect(result.stdout).toContain('CONNECTION_FAILED');
  });

  it('retries a batch refused with 503 and completes, sending the API key', async () => {
    let calls = 0;
    server = await startTestServer(async (request, response) => {
      if (schemaRequest(request, response)) return;
      const items = JSON.parse(await readBody(request)) as unknown[];
      calls += 1;
      if (calls === 1) return sendJson(response, 503, { error: 'OVERLOADED' }, { 'retry-after': '0' });
      sendJson(response, 200, accepted(items));
    });
    const result = await runCli(['--connect', server.url, 'data', 'load', 'x', file, '--id-column', 'id'], {
      env: { CAMEODB_API_KEY: 'k-123' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('loaded: 30 of 30 records');
    expect(calls).toBe(2);
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /api/x/_config',
      'PUT /api/x/_config',
      'POST /api/x/_bulk',
      'POST /api/x/_bulk',
    ]);
    for (const request of server.requests) expect(request.headers.authorization).toBe('Bearer k-123');
  });
});
