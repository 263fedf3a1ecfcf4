/**
 * The CameoDB half of the comparison without the real server (it lands on another branch):
 * the HTTP target against an in-process fake that records requests, and the node lifecycle
 * against fake `bin/cameodb.js` scripts in a temporary repository root.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startCameoServer } from '../../../../scripts/bench/compare/cameodb-server.js';
import { CAMEO_INDEX, createCameoTarget } from '../../../../scripts/bench/compare/cameodb-target.js';
import { JsonHttpClient } from '../../../../scripts/bench/compare/http-json.js';
import type { CorpusDocument } from '../../../../scripts/bench/compare/corpus.js';
import { BenchRequestError, BenchSetupError } from '../../../../scripts/bench/compare/errors.js';
import type { BenchTarget } from '../../../../scripts/bench/compare/target.js';

const logger = pino({ level: 'silent' });

const DOC: CorpusDocument = {
  id: 'jq',
  name: 'jq',
  section: 'utils',
  version: '1.6',
  description: 'command line JSON processor',
  maintainer: 'm',
  architecture: 'amd64',
};

interface Recorded {
  method: string;
  url: string;
  body: unknown;
}

describe('CameoDB HTTP target', () => {
  const requests: Recorded[] = [];
  let reply: (request: Recorded) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
  let server: Server;
  let target: BenchTarget;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const recorded = {
          method: request.method ?? '',
          url: request.url ?? '',
          body: text === '' ? undefined : JSON.parse(text),
        };
        requests.push(recorded);
        const { status, body } = reply(recorded);
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    target = await createCameoTarget('127.0.0.1', address.port, 4);
  });

  afterAll(async () => {
    await target.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('creates the index schema first, with weighted text fields and a fast section', () => {
    const config = requests[0];
    expect(config?.method).toBe('PUT');
    expect(config?.url).toBe(`/api/${CAMEO_INDEX}/_config`);
    const fields = (
      config?.body as { fields: Array<{ name: string; type: string; fast: boolean; weight?: number }> }
    ).fields;
    expect(fields.find((field) => field.name === 'name')).toMatchObject({ type: 'text', weight: 2.5 });
    expect(fields.find((field) => field.name === 'description')).toMatchObject({ type: 'text', weight: 1 });
    expect(fields.find((field) => field.name === 'section')).toMatchObject({ type: 'string', fast: true });
  });

  it('sends bulk batches as [{id, doc}] and fails when the server wrote fewer documents', async () => {
    reply = (request) => ({
      status: 200,
      body: {
        items_received: (request.body as unknown[]).length,
        items_written: (request.body as unknown[]).length,
        errors: [],
      },
    });
    await target.bulkInsert([DOC, { ...DOC, id: 'jq2' }]);
    const bulk = requests[requests.length - 1];
    expect(bulk?.url).toBe(`/api/${CAMEO_INDEX}/_bulk`);
    expect(bulk?.body).toEqual([
      {
        id: 'jq',
        doc: {
          name: 'jq',
          section: 'utils',
          version: '1.6',
          description: 'command line JSON processor',
          maintainer: 'm',
          architecture: 'amd64',
        },
      },
      { id: 'jq2', doc: expect.objectContaining({ name: 'jq' }) },
    ]);
    reply = () => ({
      status: 200,
      body: { items_received: 2, items_written: 1, errors: [{ position: 1, id: 'jq2', error: 'x' }] },
    });
    await expect(target.bulkInsert([DOC, { ...DOC, id: 'jq2' }])).rejects.toThrow(/wrote 1 of 2/);
  });

  it('puts and gets single documents; 404 is absent, other statuses are errors', async () => {
    reply = () => ({ status: 200, body: { id: 'jq', result: 'created', version: 1, shard_id: 0 } });
    await target.putDocument(DOC);
    expect(requests[requests.length - 1]).toMatchObject({
      method: 'PUT',
      url: `/api/${CAMEO_INDEX}/document`,
      body: { id: 'jq' },
    });
    reply = () => ({ status: 200, body: { name: 'jq' } });
    expect(await target.getDocument('a b&c')).toEqual({ name: 'jq' });
    expect(requests[requests.length - 1]?.url).toBe(`/api/${CAMEO_INDEX}/document?id=a%20b%26c`);
    reply = () => ({ status: 404, body: { error: 'not found' } });
    expect(await target.getDocument('x')).toBeUndefined();
    reply = () => ({ status: 503, body: { error: 'overloaded' } });
    await expect(target.getDocument('x')).rejects.toBeInstanceOf(BenchRequestError);
    await expect(target.putDocument(DOC)).rejects.toThrow(/HTTP 503/);
  });

  it('searches with {query, limit, fields: []} and returns hit ids in order', async () => {
    reply = () => ({
      status: 200,
      body: {
        hits: [
          { _id: 'b', _score: 2 },
          { _id: 'a', _score: 1 },
        ],
        hits_returned: 2,
      },
    });
    expect(await target.search({ kind: 'phrase', words: ['command', 'line'] }, 10)).toEqual(['b', 'a']);
    expect(requests[requests.length - 1]).toMatchObject({
      method: 'POST',
      url: `/api/${CAMEO_INDEX}/search`,
      body: { query: '"command line"', limit: 10, fields: [] },
    });
    reply = () => ({ status: 200, body: { hits: [], total_hits: 42 } });
    expect(await target.countMatches({ kind: 'term', terms: ['x'] })).toBe(42);
    expect(requests[requests.length - 1]?.body).toEqual({ query: 'x', limit: 0, fields: [] });
    reply = () => ({ status: 200, body: { hits: [] } });
    await expect(target.countMatches({ kind: 'term', terms: ['x'] })).rejects.toThrow(/total_hits/);
    reply = () => ({ status: 200, body: { nohits: true } });
    await expect(target.search({ kind: 'term', terms: ['x'] }, 10)).rejects.toThrow(/no hits array/);
    reply = () => ({ status: 400, body: { error: 'syntax', details: { position: 3 } } });
    await expect(target.search({ kind: 'term', terms: ['x'] }, 10)).rejects.toMatchObject({
      code: 'BENCH_REQUEST_FAILED',
      details: { status: 400 },
    });
  });
});

describe('CameoDB node lifecycle', () => {
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  async function fakeRepository(script: string): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'compare-fake-repo-'));
    roots.push(root);
    await mkdir(join(root, 'bin'));
    await writeFile(join(root, 'bin', 'cameodb.js'), script);
    return root;
  }

  const HEALTHY = `
const http = require('node:http');
const port = Number(process.argv[process.argv.indexOf('--http-port') + 1]);
http.createServer((req, res) => res.writeHead(req.url === '/_cluster/health' ? 200 : 404).end('{}')).listen(port, '127.0.0.1');
if (!process.argv.includes('--data-paths')) process.exit(9);
process.on('SIGTERM', () => process.exit(0));
`;

  it('waits for health, passes port and data path, and stops the node', async () => {
    const root = await fakeRepository(HEALTHY);
    const registered: string[] = [];
    const node = await startCameoServer(logger, root, (name) => registered.push(name));
    expect(registered).toEqual(['cameodb node']);
    const client = new JsonHttpClient('127.0.0.1', node.port, 1);
    try {
      expect((await client.send('GET', '/_cluster/health')).status).toBe(200);
      await node.stop();
      await expect(client.send('GET', '/_cluster/health')).rejects.toBeInstanceOf(BenchRequestError);
    } finally {
      client.close();
    }
    expect(existsSync(node.dataDirectory)).toBe(false);
    await node.stop(); // idempotent
  }, 30_000);

  it('a node that exits during startup is a setup error, not a hang', async () => {
    const root = await fakeRepository("console.error('boom'); process.exit(3);");
    await expect(startCameoServer(logger, root, () => undefined)).rejects.toThrow(
      /exited during startup \(exit code 3\)/,
    );
  }, 30_000);

  it('a node that never becomes healthy times out with a setup error and is killed', async () => {
    const root = await fakeRepository('setInterval(() => {}, 1000);');
    await expect(startCameoServer(logger, root, () => undefined, 1_000)).rejects.toBeInstanceOf(
      BenchSetupError,
    );
  }, 30_000);
});
