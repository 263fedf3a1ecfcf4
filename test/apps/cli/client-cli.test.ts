/**
 * `runClientCli` end to end against an in-memory fake node: loading CSV and NDJSON files
 * with bad lines (parse errors and server-side per-document errors, both by line number),
 * search, get, delete, drop, schema commands, output formats and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startFakeCameo, type FakeCameo } from '../support/fake-cameodb.js';
import { runCli } from '../support/cli-run.js';

let fake: FakeCameo;
let dir: string;
let connect: string[];

beforeAll(async () => {
  fake = await startFakeCameo();
  dir = await mkdtemp(join(tmpdir(), 'cameodb-cli-'));
  connect = ['--connect', fake.url];
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const BOOKS_CSV = [
  'isbn,title,year,price',
  '111,Dune,1965,9.99',
  '222,Neuromancer,1984,7.5',
  '333,broken,row,with,extra', // line 4: parse error
  '444,Hyperion,1989,not-a-price', // line 5: server rejects (price is f64)
  '555,Foundation,1951,5',
  ',No Id,2000,1', // line 7: no id
].join('\n');

describe('cameodb client against a fake node', () => {
  it('schema put creates the index and schema get shows it', async () => {
    const schemaPath = join(dir, 'books.schema.json');
    await writeFile(
      schemaPath,
      JSON.stringify({
        fields: [
          { name: 'title', type: 'text', indexed: true, stored: true, fast: false },
          { name: 'year', type: 'i64', indexed: true, stored: true, fast: true },
          { name: 'price', type: 'f64', indexed: true, stored: true, fast: true },
        ],
        dynamic: true,
      }),
    );
    const put = await runCli([...connect, 'schema', 'put', 'books', schemaPath]);
    expect(put).toMatchObject({ code: 0, stderr: '' });
    expect(put.stdout).toContain('schema of "books" written (3 fields)');
    const get = await runCli([...connect, 'schema', 'get', 'books']);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/│ year\s+│ i64\s+│ true\s+│ true\s+│ true/);
    const getJson = await runCli([...connect, '--json', 'schema', 'get', 'books']);
    expect(JSON.parse(getJson.stdout).fields).toHaveLength(3);
  });

  it('data load of a CSV writes the good rows and reports bad ones by line', async () => {
    const path = join(dir, 'books.csv');
    await writeFile(path, BOOKS_CSV);
    const result = await runCli([
      ...connect,
      'data',
      'load',
      'books',
      path,
      '--id-column',
      'isbn',
      '--batch-size',
      '2',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('loaded: 3 of 6 records written to "books"');
    expect(result.stdout).toContain('failed records: 3');
    expect(result.stdout).toContain('ids: from column "isbn"');
    expect(result.stderr).toContain('line 4: ');
    expect(result.stderr).toContain('line 5: [id 444] FIELD_TYPE_ERROR: field "price" expects f64');
    expect(result.stderr).toContain('line 7: no usable id in column "isbn"');
    // No progress bar: stderr is not a terminal.
    expect(result.stderr).not.toContain('docs/s');
    const stored = fake.indexes.get('books')?.docs;
    expect([...(stored?.keys() ?? [])].sort()).toEqual(['111', '222', '555']);
    expect(stored?.get('111')?.doc).toEqual({ isbn: 111, title: 'Dune', year: 1965, price: 9.99 });
  });

  it('data load of gzipped NDJSON with bad lines, JSON summary', async () => {
    const lines = [
      '{"isbn":"601","title":"The Left Hand of Darkness","year":1969,"price":8}',
      '{"isbn":"602","title":"Solaris","year":1961,"price":"cheap"}',
      'this is not json',
      '',
      '{"isbn":"603","title":"Ubik","year":1969,"price":6.5}',
      '["an","array"]',
    ];
    const path = join(dir, 'more.ndjson.gz');
    await writeFile(path, gzipSync(lines.join('\n')));
    const result = await runCli([...connect, '--json', 'data', 'load', 'books', path, '--id-column', 'isbn']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      index: 'books',
      format: 'jsonl',
      gzip: true,
      records_read: 5,
      documents_written: 2,
      records_failed: 3,
      ids: 'column:isbn',
    });
    expect(
      summary.errors.map((error: { line: number; source: string }) => [error.line, error.source]),
    ).toEqual([
      [3, 'parse'],
      [6, 'parse'],
      [2, 'server'],
    ]);
    expect(fake.indexes.get('books')?.docs.has('603')).toBe(true);
  });

  it('data load of a clean JSON array exits 0 and generates ids when no column is named', async () => {
    const path = join(dir, 'clean.json');
    await writeFile(path, JSON.stringify([{ title: 'a' }, { title: 'b' }]));
    const result = await runCli([...connect, 'data', 'load', 'generated', path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ids: 2 generated (no --id-column and no "id" field');
    expect(fake.indexes.get('generated')?.docs.size).toBe(2);
    // Without --id-column, a record's own "id" field is its id (a number becomes its string).
    const withIds = join(dir, 'with-ids.json');
    await writeFile(withIds, JSON.stringify([{ id: 7, title: 'c' }, { title: 'd' }]));
    const mixed = await runCli([...connect, 'data', 'load', 'generated', withIds]);
    expect(mixed.code).toBe(0);
    expect(mixed.stdout).toContain('ids: 1 generated');
    expect(mixed.stdout).toContain('the others from the "id" field');
    expect(fake.indexes.get('generated')?.docs.get('7')?.doc).toEqual({ id: '7', title: 'c' });
  });

  it('data load creates a missing index with a schema detected from the first records', async () => {
    const path = join(dir, 'prices.jsonl');
    await writeFile(
      path,
      ['{"sku":"a","price":0}', '{"sku":"b","price":9.99}', '{"sku":"c","price":3}'].join('\n'),
    );
    const result = await runCli([...connect, 'data', 'load', 'prices', path, '--id-column', 'sku']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'index "prices" did not exist: created it with a schema detected from the first 3 records (sku:string, price:f64)',
    );
    expect(fake.indexes.get('prices')?.schema?.fields).toEqual([
      { name: 'sku', type: 'string', indexed: true, stored: true, fast: true },
      { name: 'price', type: 'f64', indexed: true, stored: true, fast: true },
    ]);
    const again = await runCli([...connect, 'data', 'load', 'prices', path, '--id-column', 'sku']);
    expect(again.stderr).not.toContain('did not exist');
    const plain = await runCli([
      ...connect,
      'data',
      'load',
      'plain',
      path,
      '--id-column',
      'sku',
      '--no-detect-schema',
    ]);
    expect(plain.code).toBe(0);
    expect(fake.indexes.get('plain')?.schema).toBeUndefined();
  });

  it('data load draws a progress bar on a terminal, and not with --quiet', async () => {
    const path = join(dir, 'bar.jsonl');
    await writeFile(path, Array.from({ length: 50 }, (_, n) => JSON.stringify({ n })).join('\n'));
    const shown = await runCli([...connect, 'data', 'load', 'bar', path, '--batch-size', '10'], {
      stderrIsTTY: true,
    });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('docs/s');
    expect(shown.stderr).toContain('50 docs');
    const quiet = await runCli([...connect, '--quiet', 'data', 'load', 'bar', path], { stderrIsTTY: true });
    expect(quiet.stderr).not.toContain('docs/s');
  });

  it('data load reads standard input with "-" and --format', async () => {
    const result = await runCli(
      [...connect, 'data', 'load', 'stdin', '-', '--format', 'tsv', '--id-column', 'k'],
      {
        stdin: 'k\tv\na\t1\nb\t2\n',
      },
    );
    expect(result.code).toBe(0);
    expect(fake.indexes.get('stdin')?.docs.get('b')?.doc).toEqual({ k: 'b', v: 2 });
  });

  it('data load of a missing file exits 1 with the reason', async () => {
    const result = await runCli([...connect, 'data', 'load', 'books', join(dir, 'nope.csv')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ENOENT');
  });

  it('search prints a table, JSON, and a stream', async () => {
    const table = await runCli([
      ...connect,
      'search',
      'books',
      '19',
      '--sort',
      'year:desc',
      '--fields',
      'title,year',
    ]);
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n').filter((line) => /│ \d{3}/.test(line));
    expect(rows.map((row) => row.split('│')[1]?.trim())).toEqual(['222', '601', '603', '111', '555']);
    expect(table.stdout).toContain('5 of 5 hits');

    const json = await runCli([...connect, '--json', 'search', 'books', 'dune', '--limit', '1']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.hits).toEqual([
      { _id: '111', _score: 1, isbn: 111, title: 'Dune', year: 1965, price: 9.99 },
    ]);

    const stream = await runCli([
      ...connect,
      '--json',
      'search',
      'books',
      'year:1969',
      '--stream',
      '--fields',
      'title',
    ]);
    const lines = stream.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      lines
        .slice(0, -1)
        .map((hit: { _id: string }) => hit._id)
        .sort(),
    ).toEqual(['601', '603']);
    expect(lines.at(-1)).toEqual({ _footer: { total_hits: 2, took_ms: 1 } });
  });

  it('get prints a document; a missing one exits 1 with the server error', async () => {
    const found = await runCli([...connect, 'get', 'books', '222']);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/│ title\s+│ Neuromancer/);
    const missing = await runCli([...connect, 'get', 'books', '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: 404 DOCUMENT_NOT_FOUND: document not found');
  });

  it('delete removes a document', async () => {
    const result = await runCli([...connect, 'delete', 'books', '222']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deleted "222" in "books"');
    expect(fake.indexes.get('books')?.docs.has('222')).toBe(false);
  });

  it('list and health print tables', async () => {
    const list = await runCli([...connect, 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ books\s+│ 4\s+│/);
    const health = await runCli([...connect, 'health']);
    expect(health.stdout).toMatch(/│ status\s+│ green/);
  });

  it('drop removes the index; dropping again exits 1', async () => {
    const drop = await runCli([...connect, 'drop', 'books']);
    expect(drop).toMatchObject({ code: 0 });
    expect(drop.stdout).toContain('dropped index "books"');
    expect(fake.indexes.has('books')).toBe(false);
    expect((await runCli([...connect, 'drop', 'books'])).code).toBe(1);
  });

  it('schema detect infers field types from a sample, leaving out the reserved id', async () => {
    const path = join(dir, 'detect.csv');
    await writeFile(
      path,
      'id,title,year,price,published,sku,active\n' +
        '1,A long title here,1999,9.5,2020-01-02,AB-1,true\n' +
        '2,Another one,2001,10,2021-03-04T05:06:07Z,CD-2,false\n',
    );
    const result = await runCli(['schema', 'detect', path]);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(
      Object.fromEntries(schema.fields.map((f: { name: string; type: string }) => [f.name, f.type])),
    ).toEqual({
      title: 'text',
      year: 'i64',
      price: 'f64',
      published: 'date',
      sku: 'string',
      active: 'boolean',
    });
    expect(schema.default_search_fields).toEqual(['title']);
    expect(result.stderr).toContain('sampled 2 records');
  });
});

describe('exit codes and usage', () => {
  it('exits 2 when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const result = await runCli(['--connect', `http://127.0.0.1:${port}`, 'health']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONNECTION_FAILED');
  });

  it('takes the URL from CAMEODB_URL', async () => {
    const result = await runCli(['health'], { env: { CAMEODB_URL: fake.url } });
    expect(result.code).toBe(0);
  });

  it('exits 1 on bad usage, 0 on --help', async () => {
    expect((await runCli([...connect, 'search', 'x', 'q', '--sort', ':asc'])).code).toBe(1);
    expect((await runCli([...connect, 'search', 'x', 'q', '--limit', 'ten'])).stderr).toContain(
      '--limit expects',
    );
    expect((await runCli(['--connect', 'not a url', 'health'])).code).toBe(1);
    expect((await runCli(['frobnicate'])).code).toBe(1);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('data');
    expect(help.stdout).toContain('Exit codes');
  });
});

describe('interactive shell', () => {
  it('runs lines, keeps history in ~/.cameodb_history and stops at exit', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cameodb-home-'));
    try {
      await writeFile(join(home, '.cameodb_history'), 'list\n');
      const result = await runCli([...connect, '-i'], {
        stdin: 'health\nget generated "no such id"\nsearch\nexit\nhealth\n',
        homeDir: home,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`connected to ${fake.url}`);
      expect(result.stdout.match(/│ status\s+│ green/g)).toHaveLength(1);
      expect(result.stderr).toContain('404');
      expect(result.stderr).toContain("missing required argument 'index'");
      const history = await readFile(join(home, '.cameodb_history'), 'utf8');
      expect(history).toBe('list\nhealth\nget generated "no such id"\nsearch\nexit\n');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
