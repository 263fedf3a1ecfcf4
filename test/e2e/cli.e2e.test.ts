/**
 * End to end: `node bin/cameodb.js client ...` against a real server process started on
 * a random port with a temporary data directory. Loads a CSV and an NDJSON file with bad
 * lines, then searches, gets, deletes and drops, checking output and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'cameodb.js');

let dir: string;
let server: ChildProcess;
let url: string;
let serverOutput = '';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cameodb client --connect <url> ...args` as its own process. */
function client(args: string[], connect: string = url): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'client', '--connect', connect, ...args],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cameodb-cli-e2e-'));
  server = spawn(
    process.execPath,
    [bin, '--http-port', '0', '--data-paths', join(dir, 'data'), '--log-level', 'warn', '--node-name', 'e2e'],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${serverOutput}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      serverOutput += chunk.toString();
      const match = /http\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(serverOutput);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${serverOutput}`));
    });
  });
}, 90_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}, 30_000);

describe('cameodb client against a real server', () => {
  it('reports health', async () => {
    const result = await client(['--json', 'health']);
    expect(result.code).toBe(0);
    expect(['green', 'yellow']).toContain(JSON.parse(result.stdout).status);
  });

  it('creates an index from a schema file', async () => {
    const schemaPath = join(dir, 'books.schema.json');
    await writeFile(
      schemaPath,
      JSON.stringify({
        fields: [
          { name: 'isbn', type: 'string' },
          { name: 'title', type: 'text' },
          { name: 'year', type: 'i64' },
          { name: 'price', type: 'f64' },
        ],
        dynamic: true,
      }),
    );
    const put = await client(['schema', 'put', 'books', schemaPath]);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const get = await client(['--json', 'schema', 'get', 'books']);
    expect(get.code).toBe(0);
    const schema = JSON.parse(get.stdout) as { fields: Array<{ name: string; type: string }> };
    expect(schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'isbn:string',
      'title:text',
      'year:i64',
      'price:f64',
    ]);
  }, 60_000);

  it('loads a CSV with bad lines, reporting each by line number', async () => {
    const path = join(dir, 'books.csv');
    await writeFile(
      path,
      [
        'isbn,title,year,price',
        'b1,Dune,1965,9.99',
        'b2,Neuromancer,1984,7.5',
        'b3,broken,row,with,extra', // line 4: wrong number of cells
        'b4,Hyperion,1989,cheap', // line 5: the server rejects a text price
        'b5,Foundation and Empire,1952,5',
        ',No Id,2000,1', // line 7: no id
      ].join('\n'),
    );
    const result = await client(['--json', 'data', 'load', 'books', path, '--id-column', 'isbn']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as {
      documents_written: number;
      records_failed: number;
      errors: Array<{ line: number; source: string }>;
    };
    expect(summary.documents_written).toBe(3);
    expect(summary.records_failed).toBe(3);
    expect(summary.errors.map((error) => `${error.line}:${error.source}`).sort()).toEqual([
      '4:parse',
      '5:server',
      '7:parse',
    ]);
    expect(result.stderr).toMatch(/line 5: \[id b4\] \w+/);
  }, 60_000);

  it('loads NDJSON with bad lines', async () => {
    const path = join(dir, 'more.ndjson');
    await writeFile(
      path,
      [
        '{"isbn":"n1","title":"The Left Hand of Darkness","year":1969,"price":8}',
        'this is not json',
        '{"isbn":"n2","title":"Ubik","year":1969,"price":6.5}',
        '[1,2]',
        '{"isbn":"n3","title":"Solaris","year":"nineteen sixty-one","price":3}',
      ].join('\n'),
    );
    const result = await client(['data', 'load', 'books', path, '--id-column', 'isbn']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('loaded: 2 of 5 records written to "books"');
    expect(result.stderr).toContain('line 2: invalid JSON');
    expect(result.stderr).toContain('line 4: expected a JSON object');
    expect(result.stderr).toMatch(/line 5: \[id n3\]/);
  }, 60_000);

  it('searches, as a table and as JSON', async () => {
    const table = await client(['search', 'books', 'dune']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ b1\s+│/);
    const json = await client([
      '--json',
      'search',
      'books',
      'year:1969',
      '--sort',
      'price:asc',
      '--fields',
      'title',
    ]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      hits: Array<{ _id: string; title: string }>;
      total_hits: number;
    };
    expect(result.total_hits).toBe(2);
    expect(result.hits.map((hit) => hit._id)).toEqual(['n2', 'n1']);
    expect(result.hits[0]?.title).toBe('Ubik');
  }, 60_000);

  it('gets and deletes a document; a deleted one is gone', async () => {
    const get = await client(['--json', 'get', 'books', 'b2']);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ title: 'Neuromancer', year: 1984 });
    const deleted = await client(['delete', 'books', 'b2']);
    expect(deleted.code).toBe(0);
    const again = await client(['get', 'books', 'b2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('404');
  }, 60_000);

  it('drops the index', async () => {
    const drop = await client(['drop', 'books']);
    expect(drop.code).toBe(0);
    const list = await client(['--json', 'list']);
    expect(
      (JSON.parse(list.stdout) as { indexes: Array<{ name: string }> }).indexes.map((i) => i.name),
    ).not.toContain('books');
    expect((await client(['search', 'books', 'dune'])).code).toBe(1);
  }, 60_000);

  it('exits 2 when no server listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const result = await client(['health'], `http://127.0.0.1:${port}`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONNECTION_FAILED');
  }, 60_000);
});
