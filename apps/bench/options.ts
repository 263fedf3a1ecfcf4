/**
 * The load tool's command line (commander): every option, its default, and the checks
 * that turn text into a typed BenchOptions. Bad input is a BenchUsageError naming the
 * option; nothing here touches the network.
 * @module
 */
import { Command, CommanderError, Option } from 'commander';
import { join } from 'node:path';
import { BenchUsageError } from './errors.js';
import { REPOSITORY_ROOT } from './server-child.js';
import {
  OPERATION_KINDS,
  QUERY_KINDS,
  type OperationKind,
  type QueryKind,
  type Weights,
} from './workloads.js';

/** The modes: one operation kind, or a weighted mix. */
export const MODES = ['write', 'bulk', 'search', 'mixed'] as const;
/** One mode. */
export type Mode = (typeof MODES)[number];

/** Where the load goes. */
export type TargetOption =
  | { readonly type: 'url'; readonly url: string; readonly serverPid?: number }
  | {
      readonly type: 'spawn';
      readonly shards: number;
      readonly entry?: string;
      readonly serverArgs: readonly string[];
      readonly serverNodeArgs: readonly string[];
    };

/** Everything a run needs, validated. */
export interface BenchOptions {
  readonly mode: Mode;
  readonly target: TargetOption;
  /** Closed loop when absent; open loop at this rate (operations/s) when set. */
  readonly ratePerSecond?: number;
  /** Closed loop: clients; open loop: sockets. */
  readonly concurrency: number;
  /** Open loop: most operations in flight. */
  readonly maxInFlight: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly maxOperations?: number;
  readonly mix: Weights<OperationKind>;
  readonly queryMix: Weights<QueryKind>;
  /** Search: this one query every time instead of generated ones. */
  readonly fixedQuery?: string;
  readonly batchSize: number;
  readonly searchLimit: number;
  readonly index: string;
  readonly corpusPath: string;
  /** Use only the first N corpus documents. */
  readonly corpusLimit?: number;
  /** Documents bulk-loaded (ids = corpus ids) before measuring, unless the index already holds them. */
  readonly preload: number;
  /** Closed-loop bulk clients running beside the measured load (its own report). */
  readonly backgroundBulk: number;
  /**
   * Index the background bulk clients load (created with the Debian schema); default: the
   * measured index. Another index keeps the searched index's size constant, so the run
   * measures the competition for CPU alone, not searches over an index that keeps growing.
   */
  readonly backgroundIndex?: string;
  readonly seed: number;
  readonly timeoutMs: number;
  /** Wait after the server is ready before reading its idle RSS. */
  readonly rssSettleMs: number;
  readonly json: boolean;
}

/** Default corpus path (shared with scripts/corpus/debian-corpus.ts). */
export const DEFAULT_CORPUS_PATH = join(REPOSITORY_ROOT, '.bench-data', 'debian-corpus.jsonl');

/** Parses a duration: `10` or `10s` (seconds), `500ms`, `2m`. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null)
    throw new BenchUsageError(`${option} expects a duration such as 10s, 500ms or 2m, got "${text}"`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000);
}

/** Parses a positive integer (or a non-negative one when `allowZero`). */
export function parseCount(text: string, option: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || (!allowZero && value === 0))
    throw new BenchUsageError(
      `${option} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`,
    );
  return value;
}

/** Parses `name=weight,...` against the allowed names. */
export function parseWeights<K extends string>(
  text: string,
  allowed: readonly K[],
  option: string,
): Weights<K> {
  const weights: Partial<Record<K, number>> = {};
  for (const part of text.split(',')) {
    const [name = '', weightText = ''] = part.split('=').map((s) => s.trim());
    if (!(allowed as readonly string[]).includes(name))
      throw new BenchUsageError(`${option}: unknown kind "${name}" (expected ${allowed.join(', ')})`);
    const weight = Number(weightText);
    if (weightText === '' || !Number.isFinite(weight) || weight < 0)
      throw new BenchUsageError(
        `${option}: weight of "${name}" must be a non-negative number, got "${weightText}"`,
      );
    weights[name as K] = weight;
  }
  if (!Object.values(weights).some((w) => (w as number) > 0))
    throw new BenchUsageError(`${option}: at least one weight must be positive`);
  return weights;
}

const INDEX_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function buildProgram(): Command {
  return new Command('bench')
    .description('CameoDB load tool: write, bulk, search and mixed load, closed or open loop.')
    .addOption(new Option('--mode <mode>', 'what to send').choices(MODES).default('search'))
    .option('--url <url>', 'target a running server (instead of --spawn-server)')
    .option('--spawn-server', 'start the server as a child process with a temporary data directory')
    .option('--server-pid <pid>', 'with --url: the server process, to report its RSS')
    .option('--server-entry <file>', 'with --spawn-server: the script to run (default bin/cameodb.js)')
    .option('--shards <n>', 'with --spawn-server: microshards', '4')
    .option('--server-arg <arg...>', 'with --spawn-server: extra server arguments')
    .option('--server-node-arg <arg...>', 'with --spawn-server: extra node arguments (e.g. --cpu-prof)')
    .option('-c, --concurrency <n>', 'closed loop: clients; open loop: sockets', '16')
    .option('--rate <ops>', 'open loop: operations per second (latency from the scheduled send time)')
    .option('--max-in-flight <n>', 'open loop: most operations in flight', '1024')
    .option('-d, --duration <time>', 'measured time (10s, 500ms, 2m)', '10s')
    .option('--warmup <time>', 'unmeasured load before measuring', '2s')
    .option('--max-operations <n>', 'stop after this many measured operations')
    .option('--mix <weights>', 'mixed mode: weights of write, bulk, search', 'search=90,write=10')
    .option(
      '--query-mix <weights>',
      'search: weights of term, phrase, prefix, filtered',
      'term=40,phrase=20,prefix=20,filtered=20',
    )
    .option(
      '--query <text>',
      'search: send this one query every time (a word that matches nothing measures the request path alone)',
    )
    .option('--batch-size <n>', 'documents per bulk request', '1000')
    .option('--search-limit <n>', 'hits per search', '10')
    .option('--index <name>', 'index to use (created with the Debian schema)', 'bench')
    .option('--corpus <file>', 'JSONL corpus (built from apt when missing)', DEFAULT_CORPUS_PATH)
    .option('--corpus-limit <n>', 'use only the first N corpus documents')
    .option(
      '--preload <n>',
      'documents loaded before measuring (default: the corpus for search/mixed, 0 otherwise)',
    )
    .option('--background-bulk <n>', 'bulk clients loading beside the measured load', '0')
    .option(
      '--background-index <name>',
      'index the background bulk clients load (default: the measured index, which then grows during the run)',
    )
    .option('--seed <n>', 'seed of the generated ids, documents and queries', '1')
    .option('--timeout <time>', 'per-request timeout', '30s')
    .option('--rss-settle <time>', 'wait before reading the idle server RSS', '2s')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

/** The help text. */
export function benchHelp(): string {
  return buildProgram().helpInformation();
}

/** Parses the command-line arguments (without node and the script). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const program = buildProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      throw new BenchUsageError(error.message.replace(/^error: /, ''), { cause: error });
    throw error;
  }
  const raw = program.opts<Record<string, string | string[] | boolean | undefined>>();
  const text = (name: string): string | undefined => raw[name] as string | undefined;
  const mode = text('mode') as Mode;

  if (raw.spawnServer === true && raw.url !== undefined)
    throw new BenchUsageError('use either --url or --spawn-server');
  if (raw.spawnServer !== true && raw.url === undefined)
    throw new BenchUsageError('give --url <url> or --spawn-server');
  let target: TargetOption;
  if (raw.spawnServer === true) {
    target = {
      type: 'spawn',
      shards: parseCount(text('shards')!, '--shards'),
      ...(text('serverEntry') === undefined ? {} : { entry: text('serverEntry')! }),
      serverArgs: (raw.serverArg as string[] | undefined) ?? [],
      serverNodeArgs: (raw.serverNodeArg as string[] | undefined) ?? [],
    };
  } else {
    const url = text('url')!;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BenchUsageError(`--url expects a URL such as http://127.0.0.1:9480, got "${url}"`);
    }
    if (parsed.protocol !== 'http:') throw new BenchUsageError(`--url must be http://, got "${url}"`);
    target = {
      type: 'url',
      url,
      ...(text('serverPid') === undefined
        ? {}
        : { serverPid: parseCount(text('serverPid')!, '--server-pid') }),
    };
  }

  const index = text('index')!;
  if (!INDEX_NAME.test(index)) throw new BenchUsageError(`--index: "${index}" is not a valid index name`);
  const backgroundIndex = text('backgroundIndex');
  if (backgroundIndex !== undefined && !INDEX_NAME.test(backgroundIndex))
    throw new BenchUsageError(`--background-index: "${backgroundIndex}" is not a valid index name`);
  const rateText = text('rate');
  const ratePerSecond = rateText === undefined ? undefined : Number(rateText);
  if (ratePerSecond !== undefined && !(Number.isFinite(ratePerSecond) && ratePerSecond > 0))
    throw new BenchUsageError(`--rate expects a positive number of operations per second, got "${rateText}"`);
  const mix: Weights<OperationKind> =
    mode === 'mixed' ? parseWeights(text('mix')!, OPERATION_KINDS, '--mix') : { [mode]: 1 };
  const needsData = mix.search !== undefined && mix.search > 0;
  const corpusLimit =
    text('corpusLimit') === undefined ? undefined : parseCount(text('corpusLimit')!, '--corpus-limit');
  const maxOperations =
    text('maxOperations') === undefined ? undefined : parseCount(text('maxOperations')!, '--max-operations');
  return {
    mode,
    target,
    ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    concurrency: parseCount(text('concurrency')!, '--concurrency'),
    maxInFlight: parseCount(text('maxInFlight')!, '--max-in-flight'),
    durationMs: parseDuration(text('duration')!, '--duration'),
    warmupMs: parseDuration(text('warmup')!, '--warmup'),
    ...(maxOperations === undefined ? {} : { maxOperations }),
    mix,
    queryMix: parseWeights(text('queryMix')!, QUERY_KINDS, '--query-mix'),
    ...(text('query') === undefined ? {} : { fixedQuery: text('query')! }),
    batchSize: parseCount(text('batchSize')!, '--batch-size'),
    searchLimit: parseCount(text('searchLimit')!, '--search-limit'),
    index,
    corpusPath: text('corpus')!,
    ...(corpusLimit === undefined ? {} : { corpusLimit }),
    // Infinity means "the whole corpus", resolved once the corpus is read.
    preload:
      text('preload') === undefined
        ? needsData
          ? Number.POSITIVE_INFINITY
          : 0
        : parseCount(text('preload')!, '--preload', true),
    backgroundBulk: parseCount(text('backgroundBulk')!, '--background-bulk', true),
    ...(backgroundIndex === undefined ? {} : { backgroundIndex }),
    seed: parseCount(text('seed')!, '--seed', true),
    timeoutMs: parseDuration(text('timeout')!, '--timeout'),
    rssSettleMs: parseDuration(text('rssSettle')!, '--rss-settle'),
    json: raw.json === true,
  };
}
