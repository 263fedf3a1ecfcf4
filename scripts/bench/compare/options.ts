/**
 * The command line of `npm run bench:compare`, parsed with commander into a checked
 * options object (a bad value is a BenchInputError naming the option).
 * @module
 */
import { Command } from 'commander';
import { BenchInputError } from './errors.js';

/** The parsed command line. */
export interface CompareOptions {
  /** Use only the first N corpus documents; undefined = all. */
  readonly docs: number | undefined;
  /** Seconds per timed phase. */
  readonly durationSeconds: number;
  readonly skipCameo: boolean;
  readonly skipPostgres: boolean;
  /** A JSONL corpus instead of `apt-cache dumpavail`. */
  readonly corpusPath: string | undefined;
  /** Queries per kind drawn from the corpus. */
  readonly queries: number;
  readonly seed: number;
  /** Where the report section and the chart go (relative to the repository root). */
  readonly reportPath: string;
  readonly chartPath: string;
  /** Print the table but do not touch BENCHMARKS.md or the chart. */
  readonly dryRun: boolean;
}

function positiveInteger(name: string, minimum = 1) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < minimum) {
      throw new BenchInputError(`${name} must be an integer >= ${minimum}, got "${raw}"`);
    }
    return value;
  };
}

function positiveNumber(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new BenchInputError(`${name} must be a number > 0, got "${raw}"`);
    return value;
  };
}

/** Parses `argv` (without node and script); throws BenchInputError on bad values. */
export function parseCompareOptions(argv: readonly string[]): CompareOptions {
  const program = new Command('bench:compare')
    .description('Side-by-side benchmark of CameoDB and PostgreSQL 15 full-text search (issue 7)')
    .option('--docs <n>', 'use the first N corpus documents (default: all)', positiveInteger('--docs'))
    .option('--duration <seconds>', 'length of each timed phase', positiveNumber('--duration'), 10)
    .option('--skip-cameodb', 'measure PostgreSQL only', false)
    .option('--skip-postgres', 'measure CameoDB only', false)
    .option(
      '--corpus <file.jsonl>',
      'corpus JSONL (default: .bench-data/debian-corpus.jsonl when present, else apt-cache dumpavail)',
    )
    .option('--queries <n>', 'queries per kind', positiveInteger('--queries'), 200)
    .option('--seed <n>', 'seed of the query generator', positiveInteger('--seed', 0), 7)
    .option('--report <file>', 'markdown file to update', 'BENCHMARKS.md')
    .option('--chart <file>', 'SVG chart to write', 'docs/bench/compare-latency.svg')
    .option('--dry-run', 'print the section instead of writing files', false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'user' });
  const raw = program.opts<{
    docs?: number;
    duration: number;
    skipCameodb: boolean;
    skipPostgres: boolean;
    corpus?: string;
    queries: number;
    seed: number;
    report: string;
    chart: string;
    dryRun: boolean;
  }>();
  if (raw.skipCameodb && raw.skipPostgres) {
    throw new BenchInputError('--skip-cameodb and --skip-postgres together leave nothing to measure');
  }
  return {
    docs: raw.docs,
    durationSeconds: raw.duration,
    skipCameo: raw.skipCameodb,
    skipPostgres: raw.skipPostgres,
    corpusPath: raw.corpus,
    queries: raw.queries,
    seed: raw.seed,
    reportPath: raw.report,
    chartPath: raw.chart,
    dryRun: raw.dryRun,
  };
}
