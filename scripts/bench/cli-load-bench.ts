/**
 * Benchmark of `cameodb client data load`: how fast the CLI reads and ships each file
 * format, and that its memory stays flat whatever the file size. A sink node (a child
 * process that parses each bulk body and acknowledges it) stands in for the server, so the
 * numbers are the client's own ceiling. Run: `npm run bench:cli-load [-- docs]`.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { runClientCli } from '../../apps/cli/index.js';
import { openDataFile } from '../../apps/cli/records/index.js';

const documents = Number(process.argv[2] ?? 300_000);

const SINK = `
const http = require('node:http');
let items = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const batch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    items += batch.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items_received: batch.length, items_written: batch.length, errors: [], duration_ms: 0 }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function record(n: number): Record<string, string | number | boolean> {
  return {
    id: `doc-${n}`,
    title: `Package number ${n} of the benchmark corpus`,
    description: `A description with several words, some punctuation, and the number ${n * 7919}.`,
    year: 1990 + (n % 35),
    price: Math.round(n * 13.7) / 100,
    active: n % 3 === 0,
  };
}

function* lines(format: 'csv' | 'jsonl' | 'json'): Generator<string> {
  if (format === 'csv') yield 'id,title,description,year,price,active\n';
  if (format === 'json') yield '[\n';
  for (let n = 0; n < documents; n += 1) {
    const doc = record(n);
    if (format === 'csv') {
      yield `${doc.id},${doc.title},"${String(doc.description)}",${doc.year},${doc.price},${doc.active}\n`;
    } else {
      yield `${JSON.stringify(doc)}${format === 'json' && n < documents - 1 ? ',' : ''}\n`;
    }
  }
  if (format === 'json') yield ']\n';
}

async function writeData(path: string, format: 'csv' | 'jsonl' | 'json', gzip: boolean): Promise<number> {
  const source = Readable.from(lines(format));
  if (gzip) await pipeline(source, createGzip(), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return (await stat(path)).size;
}

async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, child };
}

class Discard extends Writable {
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

async function measure<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMb: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = process.hrtime.bigint();
  const result = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(timer);
  return { result, seconds, peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024) };
}

const dir = await mkdtemp(join(tmpdir(), 'cameodb-cli-bench-'));
const { url, child } = await startSink();
try {
  process.stdout.write(
    `documents per file: ${documents}; baseline RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`,
  );
  process.stdout.write(
    '| file | size MB | parse only docs/s | load docs/s | load MB/s | peak RSS MB |\n|---|---|---|---|---|---|\n',
  );
  for (const [format, gzip] of [
    ['jsonl', false],
    ['json', false],
    ['csv', false],
    ['jsonl', true],
  ] as const) {
    const path = join(dir, `data.${format}${gzip ? '.gz' : ''}`);
    const bytes = await writeData(path, format, gzip);
    const parse = await measure(async () => {
      const source = await openDataFile(path);
      let count = 0;
      for await (const item of source.records) if (item.value !== undefined) count += 1;
      return count;
    });
    const io = {
      stdout: new Discard(),
      stderr: new Discard(),
      stdin: Readable.from([]),
      env: {},
      homeDir: dir,
    };
    const load = await measure(() =>
      runClientCli(['--connect', url, '--quiet', 'data', 'load', 'bench', path, '--id-column', 'id'], io),
    );
    if (load.result !== 0 || parse.result !== documents)
      throw new Error(`run failed: exit ${load.result}, parsed ${parse.result}`);
    process.stdout.write(
      `| ${format}${gzip ? '.gz' : ''} | ${(bytes / 1048576).toFixed(1)} | ${Math.round(documents / parse.seconds)} | ` +
        `${Math.round(documents / load.seconds)} | ${(bytes / 1048576 / load.seconds).toFixed(1)} | ${Math.max(parse.peakRssMb, load.peakRssMb)} |\n`,
    );
    await rm(path);
  }
} finally {
  child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
