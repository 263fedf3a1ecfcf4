/**
 * Benchmark of one shard store on the Debian corpus (scripts/corpus/debian-corpus.ts):
 * durable ingest in 1000-document groups, single writes from 64 concurrent writers grouped
 * per tick (as the MicroshardActor does), query latency by kind, search latency in a reader
 * thread while a bulk load runs, RSS and bytes on disk per 1k documents.
 * Usage: npm run bench:storage
 * @module
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import type { FieldDefinition, IndexSchema } from '../../messages/index.js';
import { ShardStore, type WriteOperation } from '../../storage/index.js';
import { loadCorpus, type DebianPackage } from '../corpus/debian-corpus.js';

const logger = pino({ level: 'warn' });
const BATCH = 1000;

const text = (name: string, weight = 1): FieldDefinition => ({
  name,
  type: 'text',
  indexed: true,
  stored: true,
  fast: false,
  weight,
});
const keyword = (name: string): FieldDefinition => ({
  name,
  type: 'string',
  indexed: true,
  stored: true,
  fast: true,
});
/** The schema an operator would declare for this corpus (inference would make every string a text field). */
function corpusSchema(name: string): IndexSchema {
  return {
    name,
    fields: [
      text('name', 3),
      keyword('section'),
      keyword('version'),
      keyword('priority'),
      text('maintainer'),
      keyword('architecture'),
      { name: 'installed_size', type: 'i64', indexed: true, stored: true, fast: true },
      keyword('homepage'),
      text('tags'),
      text('description'),
    ],
    defaultSearchFields: ['name', 'description'],
    dynamic: true,
    version: 0,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);
const progress = (step: string): boolean => process.stderr.write(`[${new Date().toISOString()}] ${step}\n`);

/** A deterministic pseudo-random generator so runs compare. */
function generator(seed: number): (limit: number) => number {
  let state = seed;
  return (limit) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor(state / 65536) % limit;
  };
}

function upserts(docs: readonly DebianPackage[], index: string): WriteOperation[] {
  return docs.map((doc, position) => ({ kind: 'upsert', position, index, id: doc.id, doc: { ...doc } }));
}

function ingest(
  store: ShardStore,
  docs: readonly DebianPackage[],
  index: string,
): { seconds: number; perSecond: number } {
  const started = performance.now();
  for (let start = 0; start < docs.length; start += BATCH) {
    const results = store.applyWrites(upserts(docs.slice(start, start + BATCH), index));
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined) throw new Error(`ingest failed: ${JSON.stringify(failed)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds: round(seconds), perSecond: Math.round(docs.length / seconds) };
}

async function singleWriters(
  store: ShardStore,
  docs: readonly DebianPackage[],
  writers: number,
  total: number,
) {
  let queue: { op: WriteOperation; done: () => void }[] = [];
  let scheduled = false;
  let groups = 0;
  const submit = (op: WriteOperation): Promise<void> =>
    new Promise((resolve) => {
      queue.push({ op, done: resolve });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        const group = queue;
        queue = [];
        groups += 1;
        store.applyWrites(group.map((entry, position) => ({ ...entry.op, position })));
        for (const entry of group) entry.done();
      });
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) {
        const doc = docs[next % docs.length] as DebianPackage;
        next += 1;
        await submit({ kind: 'upsert', position: 0, index: 'singles', id: doc.id, doc: { ...doc } });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    writes: total,
    seconds: round(seconds),
    perSecond: Math.round(total / seconds),
    averageGroup: round(total / groups, 1),
  };
}

function words(docs: readonly DebianPackage[]): string[] {
  const counts = new Map<string, number>();
  for (const doc of docs.slice(0, 20_000)) {
    for (const word of doc.description.toLowerCase().match(/[a-z]{4,}/g) ?? [])
      counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  // Words of middling frequency: present in enough documents to need ranking.
  return [...counts].filter(([, count]) => count >= 20 && count <= 5000).map(([word]) => word);
}

function querySets(docs: readonly DebianPackage[]): Record<string, string[]> {
  const random = generator(42);
  const vocabulary = words(docs);
  const pick = (): string => vocabulary[random(vocabulary.length)] ?? 'editor';
  const sections = [...new Set(docs.map((doc) => doc.section))].filter((section) => /^[a-z]+$/.test(section));
  const phrases: string[] = [];
  while (phrases.length < 1000) {
    const doc = docs[random(docs.length)] as DebianPackage;
    const tokens = doc.description.toLowerCase().match(/[a-z]{3,}/g) ?? [];
    const at = random(Math.max(1, tokens.length - 1));
    if (tokens.length >= 2) phrases.push(`"${tokens[at]} ${tokens[at + 1]}"`);
  }
  const n = 1000;
  return {
    'term (1)': Array.from({ length: n }, () => pick()),
    'terms (2, AND)': Array.from({ length: n }, () => `${pick()} ${pick()}`),
    'terms (3, AND)': Array.from({ length: n }, () => `${pick()} ${pick()} ${pick()}`),
    'terms (2, OR)': Array.from({ length: n }, () => `${pick()} OR ${pick()}`),
    phrase: phrases,
    prefix: Array.from({ length: n }, () => `${pick().slice(0, 4)}*`),
    'filtered (term + section)': Array.from(
      { length: n },
      () => `${pick()} section:${sections[random(sections.length)] ?? 'utils'}`,
    ),
    'range (installed_size)': Array.from({ length: n }, () => `${pick()} installed_size:>=${random(5000)}`),
  };
}

function latencies(store: ShardStore, index: string, queries: readonly string[]) {
  const times: number[] = [];
  let totalHits = 0;
  for (const query of queries) {
    const started = process.hrtime.bigint();
    totalHits += store.search(index, { query, limit: 10, offset: 0 }).totalHits;
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return {
    queries: queries.length,
    p50: round(percentile(times, 50), 3),
    p99: round(percentile(times, 99), 3),
    averageHits: Math.round(totalHits / queries.length),
  };
}

function searchWorker(
  shardPath: string,
  index: string,
  queries: readonly string[],
  untilStopped: boolean,
): { done: Promise<number[]>; stop: () => void } {
  // Worker threads do not inherit tsx: register it inside the worker, then load the module.
  const url = new URL('./storage-search-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); });`,
    { eval: true, workerData: { shardPath, index, queries, untilStopped } },
  );
  const done = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (message: number[]) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  return { done, stop: () => worker.postMessage('stop') };
}

async function main(): Promise<void> {
  // STORAGE_BENCH_DOCS limits the corpus for a quick smoke run of the script.
  const limit = Number(process.env.STORAGE_BENCH_DOCS ?? Infinity);
  const corpus = loadCorpus().slice(0, limit);
  const directory = mkdtempSync(join(tmpdir(), 'cameodb-storage-bench-'));
  const report: Record<string, unknown> = { documents: corpus.length, node: process.version };
  try {
    progress('1. Durable');
    // 1. Durable ingest, 1000-document groups, schema inferred from the first document.
    const rssBefore = process.memoryUsage().rss;
    const store = new ShardStore(join(directory, 'shard-a'), { logger });
    store.putSchema(corpusSchema('debian'));
    report.ingest = ingest(store, corpus, 'debian');
    const stats = store.stats();
    report.memoryAndDisk = {
      rssMiB: mb(process.memoryUsage().rss),
      rssGrowthPer1kDocsKiB: round(
        (process.memoryUsage().rss - rssBefore) / 1024 / (corpus.length / 1000),
        1,
      ),
      bytesOnDiskMiB: mb(stats.bytesOnDisk),
      bytesOnDiskPer1kDocsKiB: round(stats.bytesOnDisk / 1024 / (corpus.length / 1000), 1),
      corpusJsonMiB: mb(corpus.reduce((sum, doc) => sum + JSON.stringify(doc).length, 0)),
    };
    const compact = store.compact();
    report.afterCompact = {
      bytesOnDiskMiB: mb(compact.bytesAfter),
      per1kDocsKiB: round(compact.bytesAfter / 1024 / (corpus.length / 1000), 1),
    };

    progress('2. Queries');
    // 2. Queries on the idle store (same thread, as a worker task would run them).
    const sets = querySets(corpus);
    const queryResults: Record<string, unknown> = {};
    for (const [kind, queries] of Object.entries(sets)) {
      latencies(store, 'debian', queries.slice(0, 100)); // warm up
      queryResults[kind] = latencies(store, 'debian', queries);
    }
    report.queries = queryResults;

    progress('3. Search p99');
    // 3. Search p99 in a reader thread: idle, then while this thread bulk-loads.
    const mixed = [
      ...(sets['term (1)'] ?? []),
      ...(sets['terms (2, AND)'] ?? []),
      ...(sets['terms (3, AND)'] ?? []),
    ];
    const idle = await searchWorker(store.path, 'debian', mixed, false).done;
    const loaded = searchWorker(store.path, 'debian', mixed, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    store.putSchema(corpusSchema('reload'));
    const load = ingest(store, corpus, 'reload');
    loaded.stop();
    const busy = await loaded.done;
    report.searchDuringBulkLoad = {
      idle: {
        queries: idle.length,
        p50: round(percentile(idle, 50), 3),
        p99: round(percentile(idle, 99), 3),
      },
      duringLoad: {
        queries: busy.length,
        p50: round(percentile(busy, 50), 3),
        p99: round(percentile(busy, 99), 3),
      },
      ratioP99: round(percentile(busy, 99) / percentile(idle, 99), 2),
      bulkLoadDocsPerSecond: load.perSecond,
    };
    store.close();

    progress('4. Single');
    // 4. Single writes from 64 concurrent writers, grouped per tick.
    const singles = new ShardStore(join(directory, 'shard-b'), { logger });
    singles.putSchema(corpusSchema('singles'));
    await singleWriters(singles, corpus, 64, 2000); // warm up
    report.singleWrites = await singleWriters(
      singles,
      corpus.slice(Math.floor(Math.min(2000, corpus.length / 2))),
      64,
      30_000,
    );
    singles.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
