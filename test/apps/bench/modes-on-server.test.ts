/**
 * One short run of each mode against the real server process: counts add up, documents
 * land in the index, and no operation fails. The server is spawned once (spawnServer) and
 * targeted by URL; one more run lets the tool spawn and stop its own server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHttpTarget,
  loadCorpus,
  parseBenchArgs,
  queryGenerator,
  runBench,
  seededRandom,
  spawnServer,
  type BenchResult,
  type SpawnedServer,
} from '../../../apps/bench/index.js';

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
];
const SECTIONS = ['games', 'net', 'libs', 'contrib/utils'];
const CORPUS_SIZE = 400;

let server: SpawnedServer;
let directory: string;
let corpusPath: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'cameodb-bench-test-'));
  corpusPath = join(directory, 'corpus.jsonl');
  const random = seededRandom(3);
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)]!;
  const lines = Array.from({ length: CORPUS_SIZE }, (_, i) =>
    JSON.stringify({
      id: `pkg-${i}`,
      name: `pkg-${i}`,
      section: SECTIONS[i % SECTIONS.length],
      version: `1.${i}`,
      installed_size: i * 10,
      description: Array.from({ length: 12 }, word).join(' '),
    }),
  );
  writeFileSync(corpusPath, `${lines.join('\n')}\n`);
  server = await spawnServer({ readyTimeoutMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

function run(args: string[]): Promise<BenchResult> {
  return runBench(parseBenchArgs(['--url', server.url, '--corpus', corpusPath, '--warmup', '0', ...args]));
}

async function documentsIn(index: string): Promise<number> {
  const target = createHttpTarget({ url: server.url, maxSockets: 1, timeoutMs: 10_000 });
  try {
    const answer = await target.send('GET', '/_indexes');
    const body = JSON.parse(answer.body) as { indexes: { name: string; document_count: number }[] };
    return body.indexes.find((entry) => entry.name === index)?.document_count ?? 0;
  } finally {
    target.close();
  }
}

function onlyKind(result: BenchResult, kind: string) {
  expect(result.results.map((report) => report.kind)).toEqual([kind]);
  const report = result.results[0]!;
  expect(report.failed).toBe(0);
  expect(report.itemErrors).toBe(0);
  expect(report.errorsByStatus).toEqual({});
  expect(report.succeeded).toBe(report.operations);
  expect(report.operations).toBeGreaterThan(0);
  return report;
}

describe('bench modes against a real server', () => {
  it('write: single PUTs create documents, one per operation', async () => {
    const result = await run(['--mode', 'write', '--index', 'bench_write', '-c', '8', '-d', '1s']);
    const report = onlyKind(result, 'write');
    expect(report.units).toBe(report.operations);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
    expect(await documentsIn('bench_write')).toBe(report.units);
    expect(result.preload).toBeUndefined();
  }, 30_000);

  it('bulk: batches write every item; a second pass over the corpus creates new ids', async () => {
    const result = await run([
      '--mode',
      'bulk',
      '--index',
      'bench_bulk',
      '--batch-size',
      '100',
      '--max-operations',
      '6',
      '-c',
      '2',
      '-d',
      '20s',
    ]);
    const report = onlyKind(result, 'bulk');
    expect(report.operations).toBe(6);
    expect(report.units).toBe(600);
    expect(await documentsIn('bench_bulk')).toBe(600);
  }, 30_000);

  it('search: preloads the corpus once, then answers every query of the mix', async () => {
    const first = await run(['--mode', 'search', '--index', 'bench_search', '-c', '4', '-d', '1s']);
    expect(first.preload).toMatchObject({ documents: CORPUS_SIZE, skipped: false });
    const report = onlyKind(first, 'search');
    expect(report.units).toBe(report.operations);
    expect(await documentsIn('bench_search')).toBe(CORPUS_SIZE);
    const second = await run([
      '--mode',
      'search',
      '--index',
      'bench_search',
      '-c',
      '2',
      '-d',
      '500ms',
      '--query-mix',
      'phrase=1,filtered=1',
    ]);
    expect(second.preload).toMatchObject({ documents: CORPUS_SIZE, skipped: true });
    onlyKind(second, 'search');
    // Every generated query parses on the real engine and finds at least the document it came from.
    const next = queryGenerator(
      loadCorpus(corpusPath, { build: false }),
      { term: 1, phrase: 1, prefix: 1, filtered: 1 },
      seededRandom(4),
    );
    const target = createHttpTarget({ url: server.url, maxSockets: 1, timeoutMs: 10_000 });
    try {
      for (let i = 0; i < 24; i += 1) {
        const { query } = next();
        const answer = await target.send(
          'POST',
          '/api/bench_search/search',
          JSON.stringify({ query, limit: 1 }),
        );
        expect({ query, status: answer.status }).toEqual({ query, status: 200 });
        expect({ query, hits: (JSON.parse(answer.body) as { total_hits: number }).total_hits > 0 }).toEqual({
          query,
          hits: true,
        });
      }
    } finally {
      target.close();
    }
  }, 30_000);

  it('mixed, open loop: sends exactly rate x duration operations split over the kinds, with a bulk load beside', async () => {
    const result = await run([
      '--mode',
      'mixed',
      '--mix',
      'search=50,write=40,bulk=10',
      '--index',
      'bench_mixed',
      '--batch-size',
      '20',
      '--rate',
      '100',
      '-d',
      '1s',
      '--background-bulk',
      '1',
    ]);
    expect(result.loop).toBe('open');
    expect(result.stats.started).toBe(100);
    const kinds = Object.fromEntries(result.results.map((report) => [report.kind, report]));
    expect(Object.keys(kinds).sort()).toEqual(['bulk', 'search', 'write']);
    const total = result.results.reduce((sum, report) => sum + report.operations, 0);
    expect(total).toBe(100);
    for (const report of result.results) expect(report).toMatchObject({ failed: 0, itemErrors: 0 });
    expect(result.background?.[0]).toMatchObject({ kind: 'bulk', failed: 0 });
    expect(result.background![0]!.units).toBeGreaterThan(0);
    const written = kinds.write!.units + kinds.bulk!.units + result.background![0]!.units;
    expect(await documentsIn('bench_mixed')).toBe(written + CORPUS_SIZE);
  }, 30_000);
});

describe('--spawn-server', () => {
  it('starts its own server, reports its RSS, and stops it', async () => {
    const result = await runBench(
      parseBenchArgs([
        '--spawn-server',
        '--corpus',
        corpusPath,
        '--mode',
        'write',
        '--max-operations',
        '20',
        '-c',
        '4',
        '--warmup',
        '0',
        '--rss-settle',
        '100ms',
      ]),
    );
    expect(onlyKind(result, 'write').units).toBe(20);
    expect(result.server.spawned).toBe(true);
    expect(result.server.rssAfterStartMiB).toBeGreaterThan(10);
    expect(() => process.kill(result.server.pid!, 0)).toThrow();
  }, 90_000);
});
