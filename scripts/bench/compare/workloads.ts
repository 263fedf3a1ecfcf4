/**
 * The workloads, run in the same order and with the same inputs against each system:
 * bulk ingest, idle searches (sequential and concurrent), the term queries' top 10 for the
 * agreement check, point gets, single durable writes, read-your-writes probes, and a search
 * loop during a second bulk ingest. Searches run before the writes so both systems answer
 * them over the same set of documents.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CorpusDocument } from './corpus.js';
import { BenchRequestError, VisibilityTimeoutError } from './errors.js';
import { runClosedLoop } from './load.js';
import type { ClosedLoopResult } from './load.js';
import { QUERY_KINDS } from './queries.js';
import type { BenchQuery, QueryKind } from './queries.js';
import { summarize } from './stats.js';
import type { LatencySummary } from './stats.js';
import type { BenchTarget, SystemName } from './target.js';

/** Every workload of the comparison, in report order. */
export const WORKLOADS = [
  { id: 'bulk', label: 'bulk ingest, 1000-doc batches (latency per batch)', unit: 'docs/s' },
  { id: 'write-c64', label: 'single durable writes, concurrency 64', unit: 'writes/s' },
  { id: 'get-c1', label: 'point get by id, sequential', unit: 'gets/s' },
  { id: 'get-c16', label: 'point get by id, concurrency 16', unit: 'gets/s' },
  { id: 'term-c1', label: 'term search, sequential', unit: 'queries/s' },
  { id: 'term-c16', label: 'term search, concurrency 16', unit: 'queries/s' },
  { id: 'phrase-c1', label: 'phrase search, sequential', unit: 'queries/s' },
  { id: 'phrase-c16', label: 'phrase search, concurrency 16', unit: 'queries/s' },
  { id: 'prefix-c1', label: 'prefix search, sequential', unit: 'queries/s' },
  { id: 'prefix-c16', label: 'prefix search, concurrency 16', unit: 'queries/s' },
  { id: 'filtered-c1', label: 'filtered search (term + section), sequential', unit: 'queries/s' },
  { id: 'filtered-c16', label: 'filtered search (term + section), concurrency 16', unit: 'queries/s' },
  { id: 'search-during-bulk', label: 'term search during a bulk ingest, sequential', unit: 'queries/s' },
  { id: 'ryw', label: 'read-your-writes: write ack until search finds it', unit: 'probes/s' },
] as const;
/** One workload's id. */
export type WorkloadId = (typeof WORKLOADS)[number]['id'];

/** How much load to apply. */
export interface WorkloadOptions {
  /** Length of each timed phase, ms. */
  readonly durationMs: number;
  readonly batchSize: number;
  /** Writers of the single-write workload (the issue fixes 64). */
  readonly writeConcurrency: number;
  /** Clients of the concurrent search and get workloads (the issue fixes 16). */
  readonly searchConcurrency: number;
  /** Hits per search (top 10). */
  readonly limit: number;
}

/** Everything measured on one system. */
export interface SystemRun {
  readonly system: SystemName;
  readonly serverVersion: string;
  readonly results: ReadonlyMap<WorkloadId, LatencySummary>;
  /** Top-`limit` ids of each term query, in query order (for the agreement check). */
  readonly termTopIds: readonly string[][];
  /** Number of matching documents of each term query, in query order. */
  readonly termMatchCounts: readonly number[];
  /** Facts worth printing under the table (empty results, errors, ingest rate under search). */
  readonly notes: readonly string[];
}

function describeFailure(result: ClosedLoopResult): string {
  const error = result.firstError;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Lowercase letters for a number, so a probe token is one word in both tokenizers. */
export function letters(value: number): string {
  let rest = value;
  let text = '';
  do {
    text = String.fromCharCode(97 + (rest % 26)) + text;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return text;
}

/** Runs every workload against `target`; `queries` are shared by both systems. */
export async function runWorkloads(
  target: BenchTarget,
  serverVersion: string,
  documents: readonly CorpusDocument[],
  queries: Readonly<Record<QueryKind, readonly BenchQuery[]>>,
  options: WorkloadOptions,
  logger: Logger,
): Promise<SystemRun> {
  const results = new Map<WorkloadId, LatencySummary>();
  const notes: string[] = [];
  const record = (id: WorkloadId, result: ClosedLoopResult, itemsPerOperation = 1): void => {
    const summary = summarize(result.latenciesMs, result.elapsedMs, result.errors, itemsPerOperation);
    results.set(id, summary);
    if (result.errors > 0)
      notes.push(`${id}: ${result.errors} failed operations, first: ${describeFailure(result)}`);
    logger.info({ system: target.system, workload: id, ...summary }, 'workload done');
  };
  const batches: CorpusDocument[][] = [];
  for (let start = 0; start < documents.length; start += options.batchSize) {
    batches.push(documents.slice(start, start + options.batchSize));
  }

  // 1. Bulk ingest of the whole corpus, one batch at a time; every batch must succeed.
  const bulk = await runClosedLoop({
    concurrency: 1,
    durationMs: Number.POSITIVE_INFINITY,
    maxOperations: batches.length,
    operation: (sequence) => target.bulkInsert(batches[sequence] ?? []),
  });
  if (bulk.errors > 0) {
    throw new BenchRequestError(`${target.system}: bulk ingest failed; the later workloads need the corpus`, {
      cause: bulk.firstError,
    });
  }
  // Throughput in documents: the last batch may be short, so count the documents exactly.
  results.set('bulk', {
    ...summarize(bulk.latenciesMs, bulk.elapsedMs),
    throughputPerSecond: (documents.length * 1000) / bulk.elapsedMs,
  });
  logger.info(
    { system: target.system, workload: 'bulk', docs: documents.length, ms: bulk.elapsedMs },
    'workload done',
  );
  await target.afterBulkLoad();

  // 2. Idle searches, sequential then concurrent, per kind.
  for (const kind of QUERY_KINDS) {
    const list = queries[kind];
    if (list.length === 0) continue;
    let empty = 0;
    for (const concurrency of [1, options.searchConcurrency]) {
      const result = await runClosedLoop({
        concurrency,
        durationMs: options.durationMs,
        operation: async (sequence) => {
          const ids = await target.search(list[sequence % list.length] as BenchQuery, options.limit);
          if (ids.length === 0 && concurrency === 1 && sequence < list.length) empty++;
        },
      });
      record((concurrency === 1 ? `${kind}-c1` : `${kind}-c16`) as WorkloadId, result);
    }
    if (empty > 0) notes.push(`${kind} queries without any hit: ${empty} of the first ${list.length} asked`);
  }

  // 3. Top 10 of every term query, for the agreement between the systems.
  // Also the number of matches, to check the systems match the same set before ranking it.
  const termTopIds: string[][] = [];
  const termMatchCounts: number[] = [];
  for (const query of queries.term) {
    termTopIds.push(await target.search(query, options.limit));
    termMatchCounts.push(await target.countMatches(query));
  }

  // 4. Point gets of ingested ids; a missing document is a failure.
  for (const concurrency of [1, options.searchConcurrency]) {
    const result = await runClosedLoop({
      concurrency,
      durationMs: options.durationMs,
      operation: async (sequence) => {
        const id = documents[(sequence * 7919) % documents.length]?.id ?? '';
        if ((await target.getDocument(id)) === undefined)
          throw new BenchRequestError(`document ${id} not found`);
      },
    });
    record(concurrency === 1 ? 'get-c1' : 'get-c16', result);
  }

  // 5. Single durable writes: new documents (copies of corpus documents under new ids).
  record(
    'write-c64',
    await runClosedLoop({
      concurrency: options.writeConcurrency,
      durationMs: options.durationMs,
      operation: (sequence) => {
        const source = documents[sequence % documents.length] as CorpusDocument;
        return target.putDocument({ ...source, id: `write-${sequence}` });
      },
    }),
  );

  // 6. Read-your-writes: write a document with a unique word, then search until it is found.
  let probesNeedingRetry = 0;
  record(
    'ryw',
    await runClosedLoop({
      concurrency: 1,
      durationMs: options.durationMs,
      operation: async (sequence) => {
        const token = `rywprobe${letters(sequence)}`;
        await target.putDocument({
          id: `ryw-${sequence}`,
          name: token,
          section: 'bench',
          version: '1',
          description: 'read your writes probe',
          maintainer: '',
          architecture: 'all',
        });
        const acknowledged = performance.now();
        const query: BenchQuery = { kind: 'term', terms: [token] };
        for (let attempt = 0; ; attempt++) {
          if ((await target.search(query, options.limit)).includes(`ryw-${sequence}`)) {
            if (attempt > 0) probesNeedingRetry++;
            return performance.now() - acknowledged;
          }
          if (performance.now() - acknowledged > 10_000) {
            throw new VisibilityTimeoutError(
              `ryw-${sequence} not searchable 10 s after its write was acknowledged`,
            );
          }
          await yieldToLoop();
        }
      },
    }),
  );
  notes.push(`read-your-writes probes that needed more than one search: ${probesNeedingRetry}`);

  // 7. Sequential term searches while a second copy of the corpus is bulk-ingested. Short
  // corpora are ingested again (as updates of the same copies) until the phase has lasted
  // `durationMs`, so the index grows to twice the corpus, not more.
  let ingestDone = false;
  const secondCopy = batches.map((batch) =>
    batch.map((document) => ({ ...document, id: `copy-${document.id}` })),
  );
  const ingestStarted = performance.now();
  const ingest = runClosedLoop({
    concurrency: 1,
    durationMs: Number.POSITIVE_INFINITY,
    shouldStop: () => ingestDone,
    operation: async (sequence) => {
      await target.bulkInsert(secondCopy[sequence % secondCopy.length] ?? []);
      const roundDone = (sequence + 1) % secondCopy.length === 0;
      if (roundDone && performance.now() - ingestStarted >= options.durationMs) ingestDone = true;
    },
  }).finally(() => {
    ingestDone = true;
  });
  const during = await runClosedLoop({
    concurrency: 1,
    durationMs: Number.POSITIVE_INFINITY,
    shouldStop: () => ingestDone,
    operation: async (sequence) => {
      await target.search(queries.term[sequence % queries.term.length] as BenchQuery, options.limit);
    },
  });
  const ingestResult = await ingest;
  record('search-during-bulk', during);
  const ingestedDocuments = ingestResult.latenciesMs.length * options.batchSize;
  const idle = results.get('term-c1')?.p99Ms;
  const loaded = results.get('search-during-bulk')?.p99Ms;
  notes.push(
    `bulk ingest beside the search loop: ~${Math.round((ingestedDocuments * 1000) / ingestResult.elapsedMs)} docs/s ` +
      `(${ingestResult.latenciesMs.length} batches)` +
      (idle !== undefined && loaded !== undefined
        ? `; term search p99 during the ingest is ${(loaded / idle).toFixed(1)}× the idle sequential p99`
        : '') +
      (ingestResult.errors > 0
        ? `; ${ingestResult.errors} failed batches (${describeFailure(ingestResult)})`
        : ''),
  );

  return { system: target.system, serverVersion, results, termTopIds, termMatchCounts, notes };
}
