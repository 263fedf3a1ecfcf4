/**
 * The CLI against the real HTTP gateway (apps/server: routing, validation, error mapping,
 * NDJSON streaming) in front of the gateway tests' in-memory node, so request and response
 * shapes are checked against the server's code rather than against a second fake.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, startServer, type RunningServer } from '../../../apps/server/index.js';
import { CameoClient, CameoHttpError } from '../../../apps/sdk/index.js';
import { FakeNode, silentLogger } from '../server/fake-node.js';
import { runCli } from '../support/cli-run.js';

let server: RunningServer;
let node: FakeNode;
let dir: string;
let connect: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cameodb-cli-gateway-'));
  const config = defaultConfig();
  node = new FakeNode();
  server = await startServer(
    { ...config, http: { ...config.http, port: 0, bindAddress: '127.0.0.1' } },
    { createNode: async () => node, logger: silentLogger },
  );
  connect = ['--connect', server.url];
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cameodb client against the real gateway', () => {
  it('puts and gets a schema, round-tripping schema get --json into schema put', async () => {
    const path = join(dir, 'people.schema.json');
    await writeFile(
      path,
      JSON.stringify({
        fields: [
          { name: 'name', type: 'text' },
          { name: 'age', type: 'i64' },
        ],
        dynamic: true,
      }),
    );
    expect((await runCli([...connect, 'schema', 'put', 'people', path])).code).toBe(0);
    const got = await runCli([...connect, '--json', 'schema', 'get', 'people']);
    expect(got.code).toBe(0);
    const schema = JSON.parse(got.stdout) as { version: number; fields: unknown[] };
    expect(schema.version).toBe(1);
    // The printed schema (with its version) is accepted back by schema put.
    await writeFile(path, got.stdout);
    const again = await runCli([...connect, 'schema', 'put', 'people', path]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
  });

  it('loads a CSV; per-document errors of the gateway are mapped to lines', async () => {
    const path = join(dir, 'people.csv');
    await writeFile(
      path,
      ['id,name,age', 'p1,Ada Lovelace,36', 'p2,Alan Turing,forty-one', 'p3,Grace Hopper,85'].join('\n'),
    );
    const result = await runCli([...connect, 'data', 'load', 'people', path, '--id-column', 'id']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('loaded: 2 of 3 records written to "people"');
    expect(result.stderr).toContain('line 3: [id p2] FIELD_TYPE_ERROR: field "age" expects a number');
  });

  it('searches (table, JSON and stream), gets, deletes and drops', async () => {
    const table = await runCli([...connect, 'search', 'people', 'hopper']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ p3\s+│ 1\s+│/);
    expect(table.stdout).toContain('1 of 1 hits');

    const stream = await runCli([...connect, '--json', 'search', 'people', '*', '--stream']);
    const lines = stream.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.slice(0, -1).map((hit) => hit._id)).toEqual(['p1', 'p3']);
    expect(lines.at(-1)).toMatchObject({ _footer: { total_hits: 2, hits_returned: 2 } });

    const get = await runCli([...connect, '--json', 'get', 'people', 'p1']);
    expect(JSON.parse(get.stdout)).toEqual({ id: 'p1', name: 'Ada Lovelace', age: 36 });

    const deleted = await runCli([...connect, 'delete', 'people', 'p1']);
    expect(deleted.code).toBe(0);
    const missing = await runCli([...connect, 'get', 'people', 'p1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: 404 DOCUMENT_NOT_FOUND: document "p1" not found/);

    expect((await runCli([...connect, 'drop', 'people'])).code).toBe(0);
    const gone = await runCli([...connect, 'search', 'people', 'x']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('INDEX_NOT_FOUND');
  });

  it('reports a query syntax error with its position and a bad option the server refuses', async () => {
    await new CameoClient({ url: server.url }).put('logs', '1', { message: 'hello' });
    const syntax = await runCli([...connect, 'search', 'logs', '(hello']);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain('400 QUERY_SYNTAX_ERROR');
    expect(syntax.stderr).toContain('"position":0');
    const window = await runCli([...connect, 'search', 'logs', 'hello', '--limit', '20000']);
    expect(window.code).toBe(1);
    expect(window.stderr).toContain('limit + offset must be at most');
  });

  it('the SDK sees the gateway errors as typed errors', async () => {
    const client = new CameoClient({ url: server.url });
    const error = await client.get('logs', 'nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CameoHttpError);
    expect(error).toMatchObject({ status: 404, code: 'HTTP_NOT_FOUND', serverError: 'DOCUMENT_NOT_FOUND' });
    const bulk = await client.bulkWrite('logs', [
      { id: 'a', doc: { age: 'x' } },
      { id: 'b', doc: { age: 3 } },
    ]);
    expect(bulk.items_written).toBe(1);
    expect(bulk.errors).toEqual([
      expect.objectContaining({
        position: 0,
        id: 'a',
        error: 'FIELD_TYPE_ERROR',
        message: expect.any(String),
      }),
    ]);
    const ingest = await client.ingestStream('logs', [{ id: 'c', doc: { message: 'streamed' } }, 'not json']);
    expect(ingest).toMatchObject({ lines_received: 2, items_written: 1 });
    expect(ingest.errors[0]).toMatchObject({ line: 2 });
  });
});
