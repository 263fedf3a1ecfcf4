/**
 * The engine's floor under issue 4's search target (3k searches/s at 16 clients on 2 cores,
 * so at most 0.67 ms of CPU per search for everything: HTTP, actors, engine, load tool).
 * Builds the standard bench index (the Debian corpus bulk-loaded into a real server with 4
 * shards, as `apps/bench --mode search` does), stops the server, opens its shards in this
 * process and times, per kind of the bench's default query mix, in one thread:
 * - a whole node search (`searchShards`: statistics, ranking, page, stored documents);
 * - the exact count alone: each shard's count statement (`SELECT count(*) ... MATCH`, planned
 *   and prepared beforehand, so no parsing, planning or transaction is timed): what an exact
 *   `total_hits` costs when FTS5 must visit every match to count it, before any ranking.
 * - the same search right after a commit to the shard, as on a node taking writes (the
 *   phrase counts a shard remembers between commits are then gone).
 * A search for a word no document has shows the fixed cost of a search.
 *
 * Usage: npm run bench:search-floor   (SEARCH_FLOOR_QUERIES=800, SEARCH_FLOOR_DATA=<dir> to
 * keep and reuse the built index)
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  parseBenchArgs,
  queryGenerator,
  runBench,
  seededRandom,
  spawnServer,
  DEFAULT_CORPUS_PATH,
  loadCorpus,
  type QueryKind,
} from '../../apps/bench/index.js';
import { indexName } from '../../messages/index.js';
import { searchShards, ShardStore, type ShardQueries } from '../../storage/index.js';
import { bindRanking, parseQuery, planSearch } from '../../storage/query/index.js';

const INDEX = 'bench';
/** Written to between searches to commit without changing the searched index. */
const SIDE_INDEX = 'bench_side';
const SHARDS = 4;
/** CPU per search that 3k searches/s on 2 cores leaves for all of a search's work, in ms. */
const BUDGET_MS = (2 * 1000) / 3000;

/** Starts a server on `dataPath`, loads the corpus into `INDEX` as the load tool does, stops it. */
async function buildIndex(dataPath: string): Promise<void> {
  const server = await spawnServer({ dataPath, shards: SHARDS });
  try {
    // A one-second search run after the preload: the load tool's own index set-up.
    const options = parseBenchArgs([
      '--url',
      server.url,
      '--mode',
      'search',
      '-c',
      '1',
      '-d',
      '1s',
      '--warmup',
      '0s',
    ]);
    await runBench(options, { log: (line) => console.log(`  ${line}`) });
  } finally {
    await server.stop();
  }
}

/** Process CPU of `body` in ms. */
function cpuMs(body: () => void): number {
  const before = process.cpuUsage();
  body();
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1000;
}

interface KindTotals {
  queries: number;
  searchMs: number;
  countMs: number;
  hits: number;
}

/** The shard's count statement for `query`, planned and prepared, ready to run. */
function countStatement(shard: ShardQueries, query: string): () => unknown {
  const record = shard.search.layoutRecord(indexName(INDEX));
  if (record === undefined) throw new Error(`shard has no index ${INDEX}`);
  const plan = planSearch(parseQuery(query), record.layout, { limit: 0, offset: 0 });
  const statement = shard.search.statement(plan.countSql);
  const params = bindRanking(plan.countParams, undefined);
  return () => statement.get(...params);
}

function measure(
  shards: readonly ShardQueries[],
  queries: readonly { kind: string; query: string }[],
  beforeEach?: () => void,
): Map<string, KindTotals> {
  const byKind = new Map<string, KindTotals>();
  for (const { kind, query } of queries) {
    beforeEach?.();
    let hits = 0;
    const searchMs = cpuMs(() => {
      hits = searchShards(shards, INDEX, { query, limit: 10, offset: 0 }).totalHits;
    });
    const counts = shards.map((shard) => countStatement(shard, query));
    const countMs = cpuMs(() => {
      for (const count of counts) count();
    });
    const totals = byKind.get(kind) ?? { queries: 0, searchMs: 0, countMs: 0, hits: 0 };
    totals.queries += 1;
    totals.searchMs += searchMs;
    totals.countMs += countMs;
    totals.hits += hits;
    byKind.set(kind, totals);
  }
  return byKind;
}

async function main(): Promise<void> {
  const queryCount = Number(process.env['SEARCH_FLOOR_QUERIES'] ?? 800);
  const kept = process.env['SEARCH_FLOOR_DATA'];
  const dataPath = kept ?? mkdtempSync(join(tmpdir(), 'cameodb-search-floor-'));
  try {
    if (!existsSync(join(dataPath, 'shards', '0', 'index.sqlite'))) {
      console.log(`building the bench index in ${dataPath}`);
      await buildIndex(dataPath);
    }
    const logger = pino({ level: 'warn' });
    const stores = Array.from(
      { length: SHARDS },
      (_, shard) => new ShardStore(join(dataPath, 'shards', String(shard)), { logger }),
    );
    try {
      const shards = stores.map((store) => store.reads);
      const corpus = loadCorpus(DEFAULT_CORPUS_PATH);
      const mix: Partial<Record<QueryKind, number>> = { term: 40, phrase: 20, prefix: 20, filtered: 20 };
      const next = queryGenerator(corpus, mix, seededRandom(1));
      const queries = Array.from({ length: queryCount }, () => next());
      measure(shards, queries); // warm-up: page cache, statements, row lengths
      const byKind = measure(shards, queries);
      // Each search right after a commit to the shard (one document written to another
      // index, not timed), as on a node taking writes: remembered phrase counts are gone.
      let written = 0;
      const afterCommit = measure(shards, queries, () => {
        written += 1;
        for (const store of stores)
          store.applyWrites([
            { kind: 'upsert', position: 0, index: SIDE_INDEX, id: 'w', doc: { n: written } },
          ]);
      });
      byKind.set(
        'no match (zzzzqqq)',
        measure(
          shards,
          Array.from({ length: 200 }, () => ({ kind: '', query: 'zzzzqqq' })),
        ).get('')!,
      );
      const all: KindTotals = { queries: 0, searchMs: 0, countMs: 0, hits: 0 };
      console.log(
        `\nload average ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')}; ${queryCount} queries of the default mix, ${SHARDS} shards, one thread`,
      );
      console.log(
        '| query kind | queries | search, ms CPU | search right after a commit, ms CPU | exact count alone, ms CPU | mean total_hits |',
      );
      console.log('|---|---|---|---|---|---|');
      const allAfterCommit: KindTotals = { queries: 0, searchMs: 0, countMs: 0, hits: 0 };
      for (const [kind, totals] of byKind) {
        const afterCommitTotals = afterCommit.get(kind);
        if (afterCommitTotals !== undefined) {
          add(all, totals);
          add(allAfterCommit, afterCommitTotals);
        }
        console.log(row(kind, totals, afterCommitTotals));
      }
      console.log(row('**default mix**', all, allAfterCommit));
      console.log(
        `\nbudget at 3k searches/s on 2 cores: ${BUDGET_MS.toFixed(2)} ms CPU per search for everything; ` +
          `the exact count alone uses ${((all.countMs / all.queries / BUDGET_MS) * 100).toFixed(0)} % of it`,
      );
    } finally {
      for (const store of stores) store.close();
    }
  } finally {
    if (kept === undefined) rmSync(dataPath, { recursive: true, force: true });
  }
}

function add(sum: KindTotals, more: KindTotals): void {
  sum.queries += more.queries;
  sum.searchMs += more.searchMs;
  sum.countMs += more.countMs;
  sum.hits += more.hits;
}

function row(kind: string, totals: KindTotals, afterCommit: KindTotals | undefined): string {
  const per = (ms: number, of: KindTotals): string => (ms / of.queries).toFixed(2);
  const afterCommitSearch = afterCommit === undefined ? '' : per(afterCommit.searchMs, afterCommit);
  return `| ${kind} | ${totals.queries} | ${per(totals.searchMs, totals)} | ${afterCommitSearch} | ${per(totals.countMs, totals)} | ${Math.round(totals.hits / totals.queries)} |`;
}

await main();
