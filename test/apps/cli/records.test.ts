/**
 * The CLI's streamed file readers: every format, gzip, bad records reported with their
 * line numbers, and a JSON array split correctly whatever the chunk boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  DataFormatError,
  castCell,
  formatFromName,
  openDataFile,
  readJsonArray,
  readJsonLines,
  type SourceRecord,
} from '../../../apps/cli/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cameodb-records-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

async function readFileRecords(
  name: string,
  content: string | Buffer,
  format?: 'csv' | 'tsv' | 'json' | 'jsonl',
) {
  const path = join(dir, name);
  await writeFile(path, content);
  const source = await openDataFile(path, format === undefined ? {} : { format });
  const records = await collect(source.records);
  return { records, source };
}

const CSV = [
  'id,title,price,zip,in_stock',
  '1,"Hello, world",9.5,01234,true',
  '2,too,many,cells,here,really',
  '3,"two',
  'lines",7,,false',
  '',
  '4,plain,12,99999,',
].join('\n');

describe('CSV and TSV', () => {
  it('reads records with typed cells and reports a bad row with its line', async () => {
    const { records, source } = await readFileRecords('a.csv', CSV);
    expect(source.format).toBe('csv');
    expect(records).toEqual([
      { line: 2, value: { id: 1, title: 'Hello, world', price: 9.5, zip: '01234', in_stock: true } },
      { line: 3, error: expect.stringContaining('line 3') },
      { line: 5, value: { id: 3, title: 'two\nlines', price: 7, in_stock: false } },
      { line: 7, value: { id: 4, title: 'plain', price: 12, zip: 99999 } },
    ]);
    expect(source.bytesRead()).toBe(Buffer.byteLength(CSV));
    expect(source.totalBytes).toBe(Buffer.byteLength(CSV));
  });

  it('keeps every cell a string with cast off', async () => {
    const path = join(dir, 'b.csv');
    await writeFile(path, 'id,n\n007,12\n');
    const source = await openDataFile(path, { cast: false });
    expect(await collect(source.records)).toEqual([{ line: 2, value: { id: '007', n: '12' } }]);
  });

  it('reads TSV without treating quotes specially', async () => {
    const { records } = await readFileRecords('a.tsv', 'id\ttitle\n1\tsay "hi"\n2\tonly\textra\n3\tok\n');
    expect(records).toEqual([
      { line: 2, value: { id: 1, title: 'say "hi"' } },
      { line: 3, error: expect.stringContaining('line 3') },
      { line: 4, value: { id: 3, title: 'ok' } },
    ]);
  });

  it('reads gzip-compressed CSV, counting compressed bytes for the progress bar', async () => {
    const compressed = gzipSync(CSV);
    const { records, source } = await readFileRecords('a.csv.gz', compressed);
    expect(source.gzip).toBe(true);
    expect(records.filter((record) => record.value !== undefined)).toHaveLength(3);
    expect(source.bytesRead()).toBe(compressed.length);
  });
});

describe('JSON Lines', () => {
  it('reads one object per line, skipping blank lines, reporting bad ones by line', async () => {
    const { records } = await readFileRecords(
      'a.ndjson',
      '{"id":"1","n":1}\r\n\n{"id":"2",\nnot json\n[1,2]\n"text"\n{"id":"3"}',
    );
    expect(records).toEqual([
      { line: 1, value: { id: '1', n: 1 } },
      { line: 3, error: expect.stringContaining('invalid JSON') },
      { line: 4, error: expect.stringContaining('invalid JSON') },
      { line: 5, error: 'expected a JSON object, got an array' },
      { line: 6, error: 'expected a JSON object, got string' },
      { line: 7, value: { id: '3' } },
    ]);
  });

  it('reads gzip-compressed JSON Lines (.jsonl.gz)', async () => {
    const lines = Array.from({ length: 2000 }, (_, n) =>
      JSON.stringify({ id: String(n), text: 'x'.repeat(50) }),
    );
    const { records, source } = await readFileRecords('big.jsonl.gz', gzipSync(lines.join('\n')));
    expect(source.format).toBe('jsonl');
    expect(records).toHaveLength(2000);
    expect(records[1999]).toEqual({ line: 2000, value: { id: '1999', text: 'x'.repeat(50) } });
  });

  it('fails cleanly on a corrupt gzip file', async () => {
    const bad = Buffer.concat([gzipSync('{"id":"1"}\n'.repeat(100)).subarray(0, 20), Buffer.from('garbage')]);
    const path = join(dir, 'bad.jsonl.gz');
    await writeFile(path, bad);
    const source = await openDataFile(path);
    await expect(collect(source.records)).rejects.toThrow();
  });

  it('reads from a stream given as input (standard input)', async () => {
    const source = await openDataFile('-', {
      format: 'jsonl',
      input: Readable.from(['{"a":1}\n{"a":', '2}\n']),
    });
    expect(await collect(source.records)).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2 } },
    ]);
    expect(source.totalBytes).toBeUndefined();
  });
});

describe('JSON arrays', () => {
  const ARRAY = [
    '[',
    '  {"id": "1", "t": "a, ] } \\" tricky"},',
    '  {"id": 2 "broken": true},',
    '  42,',
    '  {"id": "3",',
    '   "nested": [1, {"a": [2, 3]}]}',
    ']',
  ].join('\n');

  it('yields each element with the line it starts on; bad elements become line errors', async () => {
    const { records } = await readFileRecords('a.json', ARRAY);
    expect(records).toEqual([
      { line: 2, value: { id: '1', t: 'a, ] } " tricky' } },
      { line: 3, error: expect.stringContaining('invalid JSON') },
      { line: 4, error: 'expected a JSON object, got number' },
      { line: 5, value: { id: '3', nested: [1, { a: [2, 3] }] } },
    ]);
  });

  it('splits the same way whatever the chunk boundaries', async () => {
    const expected = await collect(readJsonArray(Readable.from([ARRAY])));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: ARRAY.length }), { maxLength: 8 }),
        async (cuts) => {
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(ARRAY.slice(from, point));
            from = point;
          }
          chunks.push(ARRAY.slice(from));
          expect(await collect(readJsonArray(Readable.from(chunks.filter((chunk) => chunk !== ''))))).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips arbitrary objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 20 }),
        async (objects) => {
          const text = JSON.stringify(objects, null, objects.length % 2 === 0 ? 2 : undefined);
          const records = await collect(readJsonArray(Readable.from([text])));
          expect(records.map((record) => record.value)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a file that is not an array, an unclosed array and trailing text with the line', async () => {
    await expect(collect(readJsonArray(Readable.from(['\n{"id":1}'])))).rejects.toThrow(
      new DataFormatError("a JSON array file must start with '['", 2),
    );
    await expect(collect(readJsonArray(Readable.from(['[{"id":1},\n{"id":2}'])))).rejects.toThrow(
      /line 2: .*closing/,
    );
    await expect(collect(readJsonArray(Readable.from(['[]\n\nx'])))).rejects.toThrow(
      /line 3: unexpected text/,
    );
    await expect(collect(readJsonArray(Readable.from(['   '])))).rejects.toThrow(/empty/);
  });

  it('an empty array has no records', async () => {
    expect(await collect(readJsonArray(Readable.from(['[ ]'])))).toEqual([]);
  });
});

describe('helpers', () => {
  it('castCell types plain numbers and booleans, keeps codes as strings', () => {
    expect(castCell('')).toBeUndefined();
    expect(castCell('12')).toBe(12);
    expect(castCell('-1.5e3')).toBe(-1500);
    expect(castCell('007')).toBe('007');
    expect(castCell('12345678901234567890')).toBe('12345678901234567890');
    expect(castCell('true')).toBe(true);
    expect(castCell('TRUE')).toBe('TRUE');
    expect(castCell('1,5')).toBe('1,5');
  });

  it('formatFromName reads the extension under .gz', () => {
    expect(formatFromName('x/data.ndjson.gz')).toBe('jsonl');
    expect(formatFromName('DATA.TSV')).toBe('tsv');
    expect(formatFromName('data.txt')).toBeUndefined();
  });

  it('readJsonLines handles a final line without newline and a BOM', async () => {
    expect(await collect(readJsonLines(Readable.from(['\uFEFF{"a":1}\n{"a":2}'])))).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2 } },
    ]);
  });
});
