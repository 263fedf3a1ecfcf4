/**
 * `npm run bench:compare`: CameoDB against PostgreSQL 15 full-text search on the Debian
 * package corpus, same workloads from this one load process, results written to
 * BENCHMARKS.md (own section) and docs/bench/compare-latency.svg. Everything started here
 * (the Postgres server, the CameoDB node, their temporary directories) is stopped on exit,
 * on failure and on SIGINT/SIGTERM.
 *
 * Usage: npm run bench:compare -- [--docs N] [--duration S] [--skip-cameodb] [--skip-postgres]
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { pino } from 'pino';
import { startCameoServer } from './cameodb-server.js';
import { createCameoTarget } from './cameodb-target.js';
import { renderLatencyChart } from './chart.js';
import { CleanupStack } from './cleanup.js';
import { loadCorpus } from './corpus.js';
import type { CorpusDocument } from './corpus.js';
import { BenchInputError } from './errors.js';
import { parseCompareOptions } from './options.js';
import type { CompareOptions } from './options.js';
import { startPostgres } from './postgres-server.js';
import { createPostgresTarget } from './postgres-target.js';
import { buildQueries, describeQuery, QUERY_KINDS } from './queries.js';
import type { BenchQuery, QueryKind } from './queries.js';
import { busyMachineCaveat, renderSection, replaceSection } from './report.js';
import { compareMatchCounts, summarizeAgreement, topKAgreement } from './stats.js';
import type { SystemRun, WorkloadOptions } from './workloads.js';
import { runWorkloads, WORKLOADS } from './workloads.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const logger = pino({ name: 'bench-compare', level: process.env.LOG_LEVEL ?? 'info' });

/** The machine, with the 1-minute load average when the run started and the load at its end. */
function machineDescription(startLoad: number): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let os = 'unknown OS';
  try {
    os = execFileSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"'], { encoding: 'utf8' }).trim();
  } catch (error) {
    logger.warn({ err: error }, 'cannot read /etc/os-release');
  }
  // The machine is shared: the load average says how much else was running.
  const endLoad = loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
  return (
    `${cpus().length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${os}; ` +
    `load average ${startLoad.toFixed(1)} (1 min) at the start, ${endLoad} (1/5/15 min) at the end`
  );
}

function gitDescription(): string {
  try {
    return execFileSync('git', ['-C', repositoryRoot, 'log', '-1', '--format=%h (%s)'], {
      encoding: 'utf8',
    }).trim();
  } catch (error) {
    logger.warn({ err: error }, 'cannot read the git commit');
    return 'unknown commit';
  }
}

function commandLine(argv: readonly string[]): string {
  return ['npm run bench:compare', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
}

async function measurePostgres(
  cleanup: CleanupStack,
  documents: readonly CorpusDocument[],
  queries: Record<QueryKind, BenchQuery[]>,
  workload: WorkloadOptions,
): Promise<SystemRun> {
  const server = await startPostgres(logger, (name, close) => cleanup.push(name, close));
  const target = await createPostgresTarget({ ...server, maxConnections: workload.writeConcurrency });
  cleanup.push('postgres client pool', () => target.close());
  try {
    return await runWorkloads(
      target,
      `PostgreSQL ${target.serverVersion}`,
      documents,
      queries,
      workload,
      logger,
    );
  } finally {
    // Stop now rather than at exit so the next system is measured on an idle machine.
    await cleanup.drain();
  }
}

async function measureCameo(
  cleanup: CleanupStack,
  documents: readonly CorpusDocument[],
  queries: Record<QueryKind, BenchQuery[]>,
  workload: WorkloadOptions,
): Promise<SystemRun> {
  const server = await startCameoServer(logger, repositoryRoot, (name, close) => cleanup.push(name, close));
  const target = await createCameoTarget(server.host, server.port, workload.writeConcurrency);
  cleanup.push('cameodb http client', () => target.close());
  try {
    return await runWorkloads(target, `CameoDB at ${gitDescription()}`, documents, queries, workload, logger);
  } finally {
    await cleanup.drain();
  }
}

/** Runs the comparison; resolves to the exit code (1 when a system's run failed). */
async function main(argv: readonly string[]): Promise<number> {
  const options: CompareOptions = parseCompareOptions(argv);
  const startLoad = loadavg()[0] ?? 0;
  // The corpus builder of the shard store issue caches its output here (with long
  // descriptions); use it when present so every benchmark reads the same documents.
  const builtCorpus = join(repositoryRoot, '.bench-data', 'debian-corpus.jsonl');
  const corpusPath = options.corpusPath ?? (existsSync(builtCorpus) ? builtCorpus : undefined);
  const allDocuments = await loadCorpus(corpusPath);
  const documents = options.docs === undefined ? allDocuments : allDocuments.slice(0, options.docs);
  if (documents.length === 0) throw new BenchInputError('the corpus is empty');
  logger.info({ documents: documents.length, of: allDocuments.length }, 'corpus loaded');

  const queries = Object.fromEntries(
    QUERY_KINDS.map((kind, index) => [
      kind,
      buildQueries(documents, kind, options.queries, options.seed + index),
    ]),
  ) as Record<QueryKind, BenchQuery[]>;
  if (queries.term.length === 0) throw new BenchInputError('the corpus yields no term queries');
  const workload: WorkloadOptions = {
    durationMs: options.durationSeconds * 1000,
    batchSize: 1000,
    writeConcurrency: 64,
    searchConcurrency: 16,
    limit: 10,
  };

  // Each system gets its own cleanup stack, drained when its measurement ends; a signal
  // drains whichever is active.
  const runs: SystemRun[] = [];
  const skipped: string[] = [];
  const failed: string[] = [];
  for (const system of ['PostgreSQL', 'CameoDB'] as const) {
    const skip = system === 'PostgreSQL' ? options.skipPostgres : options.skipCameo;
    if (skip) {
      skipped.push(
        `${system}: not measured in this run (--skip-${system === 'PostgreSQL' ? 'postgres' : 'cameodb'})`,
      );
      continue;
    }
    const cleanup = new CleanupStack(logger);
    cleanup.installSignalHandlers();
    try {
      runs.push(
        await (system === 'PostgreSQL' ? measurePostgres : measureCameo)(
          cleanup,
          documents,
          queries,
          workload,
        ),
      );
    } catch (error) {
      // Keep the other system's numbers: the report says this one failed, and the run
      // exits non-zero.
      logger.error({ system, err: error }, 'measurement failed');
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failed.push(`${system}: the run failed (${reason}); its column is empty`);
    } finally {
      await cleanup.drain();
    }
  }
  if (runs.length === 0) throw new BenchInputError(`nothing was measured: ${failed.join('; ')}`);

  const cameo = runs.find((run) => run.system === 'CameoDB');
  const postgres = runs.find((run) => run.system === 'PostgreSQL');
  const agreement =
    cameo !== undefined && postgres !== undefined
      ? summarizeAgreement(
          cameo.termTopIds.map((ids, index) => topKAgreement(ids, postgres.termTopIds[index] ?? [])),
        )
      : undefined;
  const counts =
    cameo !== undefined && postgres !== undefined
      ? compareMatchCounts(cameo.termMatchCounts, postgres.termMatchCounts)
      : undefined;
  const matchCounts =
    counts === undefined
      ? undefined
      : {
          queries: counts.queries,
          equal: counts.equal,
          differing: counts.differing.map((entry) => ({
            query: describeQuery(queries.term[entry.index] as BenchQuery),
            cameo: entry.left,
            postgres: entry.right,
          })),
        };
  const chartRelative = relative(
    dirname(resolve(repositoryRoot, options.reportPath)),
    resolve(repositoryRoot, options.chartPath),
  );
  const section = renderSection({
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(startLoad),
    caveats: busyMachineCaveat(startLoad, cpus().length),
    command: commandLine(argv),
    corpus:
      `${documents.length.toLocaleString('en-US')} Debian package descriptions ` +
      `(${corpusPath === undefined ? '`apt-cache dumpavail`, short descriptions' : relative(repositoryRoot, corpusPath)}, ${documents.length === allDocuments.length ? 'all' : `first ${documents.length}`} of ${allDocuments.length}); ` +
      `${options.queries} queries per kind drawn with seed ${options.seed}; ${options.durationSeconds} s per timed phase; ` +
      'top 10 by score; one load process, closed loop',
    systems: [
      ...runs.map((run) =>
        run.system === 'PostgreSQL'
          ? `${run.serverVersion}: initdb defaults (fsync on, synchronous_commit on), 127.0.0.1, \`pg\` pool of 64; ` +
            "JSONB document, generated tsvector (name weight A, description weight B, 'simple'), GIN index, btree on section; " +
            'plainto_tsquery / phraseto_tsquery / to_tsquery(prefix:*) ordered by ts_rank_cd then id; ANALYZE after the initial bulk load'
          : `${run.serverVersion}: default settings (\`node bin/cameodb.js --http-port P --data-paths TMP\`), HTTP keep-alive, 64 sockets`,
      ),
      ...skipped,
      ...failed,
    ],
    rows: WORKLOADS.map((entry) => ({
      label: entry.label,
      unit: entry.unit,
      cameo: cameo?.results.get(entry.id),
      postgres: postgres?.results.get(entry.id),
    })),
    agreement,
    matchCounts,
    notes: runs.flatMap((run) => run.notes.map((note) => `${run.system}: ${note}`)),
    chartPath: chartRelative,
  });
  const chart = renderLatencyChart({
    title: `CameoDB vs PostgreSQL FTS: latency per workload (${documents.length} docs)`,
    systems: ['CameoDB', 'PostgreSQL'],
    groups: WORKLOADS.map((entry) => ({
      label: entry.label,
      values: [cameo?.results.get(entry.id), postgres?.results.get(entry.id)],
    })),
  });

  process.stdout.write(`${section}\n`);
  const exitCode = failed.length === 0 ? 0 : 1;
  if (options.dryRun) return exitCode;
  const reportFile = resolve(repositoryRoot, options.reportPath);
  const current = await readFile(reportFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  await writeFile(reportFile, replaceSection(current, section));
  const chartFile = resolve(repositoryRoot, options.chartPath);
  await mkdir(dirname(chartFile), { recursive: true });
  await writeFile(chartFile, chart);
  logger.info({ report: reportFile, chart: join(chartFile) }, 'report written');
  return exitCode;
}

main(process.argv.slice(2)).then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    logger.fatal({ err: error }, 'bench:compare failed');
    process.exit(1);
  },
);
