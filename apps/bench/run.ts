/**
 * One bench run, start to end: read the corpus, start or reach the server, read its idle
 * RSS, create the index, preload documents for searches, warm up, measure (with optional
 * bulk load running beside), read the RSS again, and stop a spawned server whatever
 * happens. Returns a BenchResult; printing is report.ts's job.
 * @module
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { loadCorpus, DEBIAN_SCHEMA, type CorpusDocument } from './corpus.js';
import { BenchSetupError } from './errors.js';
import { createHttpTarget, type HttpTarget } from './http-target.js';
import { runClosedLoop, runOpenLoop, type LoopStats } from './load-loops.js';
import type { BenchOptions } from './options.js';
import { LoadRecorder, type KindReport } from './recorder.js';
import { processCpuSeconds, residentMemoryMiB, spawnServer, type SpawnedServer } from './server-child.js';
import { createWorkload, type Workload } from './workloads.js';

/** What a run measured. */
export interface BenchResult {
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly loadAverageBefore: readonly number[];
    readonly loadAverageAfter: readonly number[];
  };
  readonly mode: BenchOptions['mode'];
  readonly loop: 'closed' | 'open';
  readonly concurrency: number;
  readonly ratePerSecond?: number;
  readonly server: {
    readonly url: string;
    readonly spawned: boolean;
    readonly pid?: number;
    readonly rssAfterStartMiB?: number;
    readonly rssAfterRunMiB?: number;
    /** CPU seconds the server process (all threads) used during the measured phase. */
    readonly cpuSecondsMeasured?: number;
  };
  /** CPU seconds this load process used during the measured phase. */
  readonly clientCpuSecondsMeasured: number;
  readonly corpusDocuments: number;
  readonly preload?: {
    readonly documents: number;
    readonly seconds: number;
    readonly documentsPerSecond: number;
    readonly skipped: boolean;
  };
  readonly stats: LoopStats;
  readonly results: readonly KindReport[];
  /** The bulk load running beside the measured one, when asked for. */
  readonly background?: readonly KindReport[];
}

/** Hooks for progress messages and cancellation. */
export interface RunHooks {
  readonly signal?: AbortSignal;
  /** Progress lines for humans (stderr). */
  readonly log?: (line: string) => void;
  /** The server's warnings and errors. */
  readonly serverOutput?: (text: string) => void;
  /** Called once a spawned server is ready and again (undefined) once it stopped, so a forced exit can kill it. */
  readonly onServerProcess?: (pid: number | undefined) => void;
}

async function ensureIndex(target: HttpTarget, index: string): Promise<void> {
  const answer = await target.send('PUT', `/api/${index}/_config`, JSON.stringify(DEBIAN_SCHEMA));
  if (answer.status !== 200 && answer.status !== 201)
    throw new BenchSetupError(
      `creating index "${index}" answered ${answer.status || answer.networkError}: ${answer.body}`,
    );
}

async function documentCount(target: HttpTarget, index: string): Promise<number> {
  const answer = await target.send('GET', '/_indexes');
  if (answer.status !== 200)
    throw new BenchSetupError(`GET /_indexes answered ${answer.status || answer.networkError}`);
  const body = JSON.parse(answer.body) as { indexes?: { name: string; document_count: number }[] };
  return body.indexes?.find((entry) => entry.name === index)?.document_count ?? 0;
}

function checkedReports(recorder: LoadRecorder, phase: string): KindReport[] {
  const reports = recorder.report();
  for (const report of reports) {
    if (report.failed > 0 && report.succeeded === 0) {
      const errors = Object.entries(report.errorsByStatus)
        .map(([key, count]) => `${key} x${count}`)
        .join(', ');
      throw new BenchSetupError(`${phase}: every ${report.kind} operation failed (${errors})`);
    }
  }
  return reports;
}

async function preload(
  target: HttpTarget,
  options: BenchOptions,
  corpus: readonly CorpusDocument[],
  hooks: RunHooks,
): Promise<BenchResult['preload']> {
  const wanted = Math.min(options.preload, corpus.length);
  if (wanted === 0) return undefined;
  const present = await documentCount(target, options.index);
  if (present >= wanted) return { documents: present, seconds: 0, documentsPerSecond: 0, skipped: true };
  hooks.log?.(`preloading ${wanted} documents into "${options.index}"`);
  const recorder = new LoadRecorder();
  const workload = createWorkload({
    target,
    index: options.index,
    corpus: corpus.slice(0, wanted),
    mix: { bulk: 1 },
    batchSize: Math.min(options.batchSize, wanted),
    queryMix: options.queryMix,
    searchLimit: options.searchLimit,
    seed: options.seed,
    idPrefix: '',
    documentLimit: wanted,
  });
  const stats = await runClosedLoop({
    concurrency: 2,
    durationMs: 60 * 60_000,
    maxOperations: Math.ceil(wanted / Math.min(options.batchSize, wanted)),
    nextOperation: () => workload.next(),
    recorder,
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
  });
  const [bulk] = checkedReports(recorder, 'preload');
  const written = bulk?.units ?? 0;
  if (written < wanted && hooks.signal?.aborted !== true)
    throw new BenchSetupError(
      `preload wrote ${written} of ${wanted} documents: ${JSON.stringify(bulk?.errorsByStatus)}`,
    );
  const seconds = stats.elapsedMs / 1000;
  return { documents: written, seconds, documentsPerSecond: Math.round(written / seconds), skipped: false };
}

function measuredLoop(
  options: BenchOptions,
  workload: Workload,
  recorder: LoadRecorder,
  durationMs: number,
  signal: AbortSignal | undefined,
  maxOperations?: number,
): Promise<LoopStats> {
  const common = {
    nextOperation: () => workload.next(),
    recorder,
    durationMs,
    ...(maxOperations === undefined ? {} : { maxOperations }),
    ...(signal === undefined ? {} : { signal }),
  };
  return options.ratePerSecond === undefined
    ? runClosedLoop({ ...common, concurrency: options.concurrency })
    : runOpenLoop({ ...common, ratePerSecond: options.ratePerSecond, maxInFlight: options.maxInFlight });
}

/** Runs one benchmark as the options say. A spawned server is always stopped before returning. */
export async function runBench(options: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  const loadAverageBefore = loadavg().map((n) => Math.round(n * 100) / 100);
  const fullCorpus = loadCorpus(options.corpusPath);
  const corpus = options.corpusLimit === undefined ? fullCorpus : fullCorpus.slice(0, options.corpusLimit);
  let spawned: SpawnedServer | undefined;
  let target: HttpTarget | undefined;
  try {
    let url: string;
    let pid: number | undefined;
    if (options.target.type === 'spawn') {
      hooks.log?.('starting the server');
      spawned = await spawnServer({
        shards: options.target.shards,
        ...(options.target.entry === undefined ? {} : { entry: options.target.entry }),
        args: options.target.serverArgs,
        nodeArgs: options.target.serverNodeArgs,
        ...(hooks.serverOutput === undefined ? {} : { onOutput: hooks.serverOutput }),
      });
      url = spawned.url;
      pid = spawned.pid;
      hooks.onServerProcess?.(pid);
    } else {
      url = options.target.url;
      pid = options.target.serverPid;
    }
    let rssAfterStartMiB: number | undefined;
    if (spawned !== undefined && pid !== undefined) {
      await new Promise((settled) => setTimeout(settled, options.rssSettleMs));
      rssAfterStartMiB = residentMemoryMiB(pid);
    }
    const sockets = options.concurrency + options.backgroundBulk + 2;
    target = createHttpTarget({
      url,
      maxSockets: Math.max(sockets, options.ratePerSecond === undefined ? 0 : options.maxInFlight),
      timeoutMs: options.timeoutMs,
    });
    await ensureIndex(target, options.index);
    const preloaded = await preload(target, options, corpus, hooks);

    // Ids of measured writes are new on every run, so writes create documents.
    const idPrefix = `r${Date.now().toString(36)}-`;
    const workload = createWorkload({
      target,
      index: options.index,
      corpus,
      mix: options.mix,
      batchSize: options.batchSize,
      queryMix: options.queryMix,
      ...(options.fixedQuery === undefined ? {} : { fixedQuery: options.fixedQuery }),
      searchLimit: options.searchLimit,
      seed: options.seed,
      idPrefix,
    });
    if (options.warmupMs > 0) {
      hooks.log?.(`warming up for ${options.warmupMs} ms`);
      await measuredLoop(options, workload, new LoadRecorder(), options.warmupMs, hooks.signal);
    }

    const background = new AbortController();
    const stopBackground = (): void => background.abort();
    hooks.signal?.addEventListener('abort', stopBackground);
    const backgroundRecorder = new LoadRecorder();
    let backgroundRun: Promise<LoopStats> | undefined;
    if (options.backgroundBulk > 0) {
      const backgroundIndex = options.backgroundIndex ?? options.index;
      if (backgroundIndex !== options.index) await ensureIndex(target, backgroundIndex);
      const bulkWorkload = createWorkload({
        target,
        index: backgroundIndex,
        corpus,
        mix: { bulk: 1 },
        batchSize: options.batchSize,
        queryMix: options.queryMix,
        searchLimit: options.searchLimit,
        seed: options.seed + 1,
        idPrefix: `${idPrefix}bg-`,
      });
      backgroundRun = runClosedLoop({
        concurrency: options.backgroundBulk,
        durationMs: 24 * 60 * 60_000,
        nextOperation: () => bulkWorkload.next(),
        recorder: backgroundRecorder,
        signal: background.signal,
      });
      // Let the bulk load reach its steady state before the measured load starts.
      await new Promise((settled) => setTimeout(settled, Math.min(2_000, options.durationMs / 4)));
    }

    hooks.log?.(`measuring for ${options.durationMs} ms`);
    const recorder = new LoadRecorder();
    const serverCpuBefore = pid === undefined ? undefined : processCpuSeconds(pid);
    const clientCpuBefore = process.cpuUsage();
    const stats = await measuredLoop(
      options,
      workload,
      recorder,
      options.durationMs,
      hooks.signal,
      options.maxOperations,
    );
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpuAfter = pid === undefined ? undefined : processCpuSeconds(pid);
    const cpuSecondsMeasured =
      serverCpuBefore === undefined || serverCpuAfter === undefined
        ? undefined
        : Math.round((serverCpuAfter - serverCpuBefore) * 100) / 100;
    background.abort();
    await backgroundRun;
    hooks.signal?.removeEventListener('abort', stopBackground);
    const rssAfterRunMiB = pid === undefined ? undefined : residentMemoryMiB(pid);

    return {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadAverageBefore,
        loadAverageAfter: loadavg().map((n) => Math.round(n * 100) / 100),
      },
      mode: options.mode,
      loop: options.ratePerSecond === undefined ? 'closed' : 'open',
      concurrency: options.concurrency,
      ...(options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond }),
      server: {
        url,
        spawned: spawned !== undefined,
        ...(pid === undefined ? {} : { pid }),
        ...(rssAfterStartMiB === undefined ? {} : { rssAfterStartMiB }),
        ...(rssAfterRunMiB === undefined ? {} : { rssAfterRunMiB }),
        ...(cpuSecondsMeasured === undefined ? {} : { cpuSecondsMeasured }),
      },
      clientCpuSecondsMeasured: Math.round((clientCpu.user + clientCpu.system) / 10_000) / 100,
      corpusDocuments: corpus.length,
      ...(preloaded === undefined ? {} : { preload: preloaded }),
      stats,
      results: recorder.report(),
      ...(options.backgroundBulk > 0 ? { background: backgroundRecorder.report() } : {}),
    };
  } finally {
    target?.close();
    if (spawned !== undefined) {
      hooks.log?.('stopping the server');
      await spawned.stop();
      hooks.onServerProcess?.(undefined);
    }
  }
}
