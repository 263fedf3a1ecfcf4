/**
 * The `cameodb client` command line: commander definitions of every command and their
 * handlers. A fresh program is built per run (commander keeps parse state), so the
 * interactive shell runs each of its lines through here too.
 * @module
 */
import { Command, CommanderError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  CameoClient,
  DEFAULT_URL,
  type CameoClientOptions,
  type IndexConfig,
  type SearchHit,
  type SearchRequest,
  type SortSpec,
} from '../sdk/index.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { writeLine, type CliIo } from './io.js';
import { formatSummary, loadData } from './load.js';
import { humanBytes, printJson, renderKeyValue, renderTable } from './output.js';
import { LoadProgress } from './progress.js';
import { openDataFile, parseFormat } from './records/index.js';
import { SchemaDetector } from './schema-detect.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly connect?: string;
  readonly apiKey?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly timeout?: string;
  readonly interactive?: boolean;
}

/** What a run needs besides its arguments. */
export interface RunContext {
  readonly io: CliIo;
  /** Set by handlers that finish with a non-zero code without throwing (a partial load). */
  exitCode: number;
  /** Called for `-i`; absent inside the shell itself. */
  readonly startShell?: (options: GlobalOptions) => Promise<number>;
}

/** The client a command talks through, from `--connect`, `CAMEODB_URL` and `--api-key`. */
export function clientFor(
  options: GlobalOptions,
  io: CliIo,
  overrides: CameoClientOptions = {},
): CameoClient {
  const url = options.connect ?? io.env.CAMEODB_URL ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('not http(s)');
  } catch {
    throw new UsageError(`--connect expects a URL such as ${DEFAULT_URL}, got "${url}"`);
  }
  const apiKey = options.apiKey ?? io.env.CAMEODB_API_KEY;
  const timeoutMs =
    options.timeout === undefined ? undefined : positiveInteger(options.timeout, '--timeout', true);
  return new CameoClient({
    url,
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...overrides,
  });
}

function positiveInteger(value: string, name: string, allowZero = false): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || (!allowZero && number === 0) || !Number.isSafeInteger(number)) {
    throw new UsageError(
      `${name} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}"`,
    );
  }
  return number;
}

/** Parses `--sort field:asc|desc` (order defaults to asc). */
export function parseSort(value: string): SortSpec {
  const match = /^(.+?)(?::(asc|desc))?$/i.exec(value);
  if (match === null || match[1] === undefined || match[1] === '') {
    throw new UsageError(`--sort expects field:asc or field:desc, got "${value}"`);
  }
  return { field: match[1], order: (match[2]?.toLowerCase() ?? 'asc') as SortSpec['order'] };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Builds the commander program for one run. */
export function buildProgram(context: RunContext, programName = 'cameodb client'): Command {
  const { io } = context;
  const program = new Command(programName)
    .description('Talk to a CameoDB node over its HTTP API.')
    .option('--connect <url>', `node to talk to (env CAMEODB_URL; default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'sent as a Bearer token (env CAMEODB_API_KEY)')
    .option('--json', 'print JSON instead of tables')
    .option('--quiet', 'no progress bar')
    .option('--timeout <ms>', 'per-request timeout in milliseconds (0: none; default 30000)')
    .option('-i, --interactive', 'start an interactive shell')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 server error, bad usage, bad file or failed records; 2 server unreachable or timed out.',
    )
    .action(async (options: GlobalOptions) => {
      if (options.interactive === true && context.startShell !== undefined) {
        context.exitCode = await context.startShell(options);
        return;
      }
      program.outputHelp();
      context.exitCode = ExitCode.Failure;
    });

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const client = (command: Command): CameoClient => clientFor(globals(command), io);
  const json = (command: Command): boolean => globals(command).json === true;

  program
    .command('health')
    .description('node health (GET /_cluster/health)')
    .action(async (_options: unknown, command: Command) => {
      const health = await client(command).health();
      if (json(command)) printJson(io.stdout, health);
      else writeLine(io.stdout, renderKeyValue(health));
    });

  program
    .command('list')
    .description('list indexes (GET /_indexes)')
    .action(async (_options: unknown, command: Command) => {
      const list = await client(command).listIndexes();
      if (json(command)) return printJson(io.stdout, list);
      writeLine(
        io.stdout,
        renderTable(
          ['index', 'documents', 'size', 'shards', 'fields'],
          list.indexes.map((entry) => [
            entry.name,
            entry.document_count,
            humanBytes(entry.index_size_bytes),
            entry.shard_count,
            (entry.fields ?? []).map((field) => (typeof field === 'string' ? field : field.name)).join(', '),
          ]),
        ),
      );
      writeLine(io.stdout, `${list.total_indexes} index(es) on node ${list.node_id}`);
    });

  const schema = program.command('schema').description('read, write or infer an index schema');
  schema
    .command('get <index>')
    .description('print the schema (GET /api/{index}/_config)')
    .action(async (index: string, _options: unknown, command: Command) => {
      const config = await client(command).getSchema(index);
      if (json(command)) return printJson(io.stdout, config);
      writeLine(io.stdout, renderSchema(config));
    });
  schema
    .command('put <index> <file>')
    .description('create the index or update its schema from a JSON file (PUT /api/{index}/_config)')
    .action(async (index: string, file: string, _options: unknown, command: Command) => {
      const config = await readSchemaFile(file);
      const result = await client(command).putSchema(index, config);
      if (json(command)) return printJson(io.stdout, result);
      writeLine(io.stdout, `schema of "${index}" written (${config.fields.length} fields)`);
    });
  schema
    .command('detect <file>')
    .description('infer a schema from the first records of a data file and print it as JSON')
    .addOption(new Option('--format <format>', 'csv, tsv, json or jsonl (default: from the file name)'))
    .option('--sample <n>', 'records to sample', '1000')
    .option('--no-cast', 'keep CSV/TSV cells as strings')
    .action(async (file: string, options: { format?: string; sample: string; cast: boolean }) => {
      const sample = positiveInteger(options.sample, '--sample');
      const source = await openDataFile(file, {
        ...(options.format === undefined ? {} : { format: parseFormat(options.format) }),
        cast: options.cast,
        ...(file === '-' ? { input: io.stdin } : {}),
      });
      const detector = new SchemaDetector();
      let skipped = 0;
      for await (const record of source.records) {
        if (record.error === undefined) detector.add(record.value);
        else skipped += 1;
        if (detector.records >= sample) break;
      }
      printJson(io.stdout, detector.schema());
      writeLine(
        io.stderr,
        `sampled ${detector.records} records${skipped > 0 ? `, skipped ${skipped} bad ones` : ''}`,
      );
    });

  program
    .command('search <index> <query>')
    .description('search an index (POST /api/{index}/search)')
    .option('--limit <n>', 'hits to return', '10')
    .option('--offset <n>', 'hits to skip', '0')
    .option('--fields <list>', 'comma-separated fields to return')
    .option('--sort <field:order>', 'sort by a fast field, e.g. year:desc')
    .option('--highlight', 'highlight matches in the default search fields')
    .option('--stream', 'use the streaming endpoint (with --json: one hit per line)')
    .action(async (index: string, query: string, options: SearchOptions, command: Command) => {
      const request: SearchRequest = {
        query,
        limit: positiveInteger(options.limit, '--limit', true),
        offset: positiveInteger(options.offset, '--offset', true),
        ...(options.fields === undefined ? {} : { fields: splitList(options.fields) }),
        ...(options.sort === undefined ? {} : { sort: parseSort(options.sort) }),
        ...(options.highlight === true ? { highlight: true } : {}),
      };
      if (options.stream === true) return streamSearch(client(command), index, request, json(command), io);
      const result = await client(command).search(index, request);
      if (json(command)) return printJson(io.stdout, result);
      writeLine(io.stdout, renderHits(result.hits, request.fields));
      writeLine(
        io.stdout,
        `${result.hits_returned} of ${result.total_hits} hits (offset ${result.offset}, ${result.took_ms} ms` +
          `${result.failed_shards > 0 ? `, ${result.failed_shards} of ${result.total_shards} shards FAILED` : ''})`,
      );
    });

  program
    .command('get <index> <id>')
    .description('print one document (GET /api/{index}/document?id=)')
    .action(async (index: string, id: string, _options: unknown, command: Command) => {
      const document = await client(command).get(index, id);
      if (json(command)) return printJson(io.stdout, document);
      writeLine(io.stdout, renderKeyValue(document));
    });

  program
    .command('delete <index> <id>')
    .description('delete one document (DELETE /api/{index}/document?id=)')
    .action(async (index: string, id: string, _options: unknown, command: Command) => {
      const result = await client(command).delete(index, id);
      if (json(command)) return printJson(io.stdout, result);
      writeLine(
        io.stdout,
        `${result.result} "${id}" in "${index}" (version ${result.version}, shard ${result.shard_id})`,
      );
    });

  program
    .command('drop <index>')
    .description('drop an index and all its documents (DELETE /api/{index})')
    .action(async (index: string, _options: unknown, command: Command) => {
      const result = await client(command).dropIndex(index);
      if (json(command)) return printJson(io.stdout, result);
      writeLine(io.stdout, `dropped index "${index}"`);
    });

  const data = program.command('data').description('bulk data operations');
  data
    .command('load <index> <file>')
    .description(
      'stream a CSV, TSV, JSON array or JSON Lines file (optionally .gz; "-" for stdin) into an index',
    )
    .option('--id-column <column>', 'field holding the document id (default: the "id" field, else generated)')
    .addOption(new Option('--format <format>', 'csv, tsv, json or jsonl (default: from the file name)'))
    .option('--batch-size <n>', 'documents per bulk request', '1000')
    .option('--max-errors <n>', 'line errors to print and list', '100')
    .option('--no-cast', 'keep CSV/TSV cells as strings')
    .option('--no-detect-schema', 'do not create a missing index with a schema detected from the file')
    .option('--sample <n>', 'records sampled to detect the schema', '1000')
    .action(async (index: string, file: string, options: LoadCommandOptions, command: Command) => {
      const global = globals(command);
      // A long load outlives a busy spell of the server: be patient with 503s (about a minute in all).
      const cameo = clientFor(global, io, { retries: 8, retryMaxDelayMs: 15_000 });
      const summary = await loadData(
        cameo,
        {
          index,
          file,
          ...(options.idColumn === undefined ? {} : { idColumn: options.idColumn }),
          ...(options.format === undefined ? {} : { format: parseFormat(options.format) }),
          batchSize: positiveInteger(options.batchSize, '--batch-size'),
          maxErrors: positiveInteger(options.maxErrors, '--max-errors', true),
          cast: options.cast,
          concurrency: 2,
          detectSchema: options.detectSchema,
          detectSample: positiveInteger(options.sample, '--sample'),
          ...(file === '-' ? { input: io.stdin } : {}),
        },
        (totalBytes) => new LoadProgress(io.stderr, global.quiet !== true, totalBytes),
      );
      const { abortError, ...printable } = summary;
      if (json(command)) printJson(io.stdout, printable);
      else writeLine(io.stdout, formatSummary(summary));
      if (abortError !== undefined) throw new ReportedError(abortError);
      if (summary.records_failed > 0) context.exitCode = ExitCode.Failure;
    });

  return program;
}

/** An error whose message was already printed (in a summary); only its exit code matters. */
export class ReportedError extends Error {
  constructor(readonly original: unknown) {
    super('reported');
    this.name = 'ReportedError';
  }
}

interface SearchOptions {
  readonly limit: string;
  readonly offset: string;
  readonly fields?: string;
  readonly sort?: string;
  readonly highlight?: boolean;
  readonly stream?: boolean;
}

interface LoadCommandOptions {
  readonly idColumn?: string;
  readonly format?: string;
  readonly batchSize: string;
  readonly maxErrors: string;
  readonly cast: boolean;
  readonly detectSchema: boolean;
  readonly sample: string;
}

async function streamSearch(
  client: CameoClient,
  index: string,
  request: SearchRequest,
  asJson: boolean,
  io: CliIo,
): Promise<void> {
  const stream = client.searchStream(index, request);
  if (asJson) {
    for await (const hit of stream) writeLine(io.stdout, JSON.stringify(hit));
    writeLine(io.stdout, JSON.stringify({ _footer: stream.footer }));
    return;
  }
  const hits = await stream.toArray();
  writeLine(io.stdout, renderHits(hits, request.fields));
  writeLine(io.stdout, `${hits.length} hits streamed (${JSON.stringify(stream.footer)})`);
}

/** Search hits as a table: id, score, then the requested fields or the first few present. */
export function renderHits(hits: readonly SearchHit[], fields: readonly string[] | undefined): string {
  const columns =
    fields ??
    [...new Set(hits.flatMap((hit) => Object.keys(hit).filter((key) => !key.startsWith('_'))))].slice(0, 6);
  const highlighted = hits.some((hit) => hit._highlights !== undefined);
  return renderTable(
    ['_id', '_score', ...columns, ...(highlighted ? ['_highlights'] : [])],
    hits.map((hit) => [
      hit._id,
      formatScore(hit._score),
      ...columns.map((column) => hit[column]),
      ...(highlighted ? [Object.values((hit._highlights ?? {}) as Record<string, unknown>).join(' … ')] : []),
    ]),
  );
}

function renderSchema(config: IndexConfig): string {
  const table = renderTable(
    ['field', 'type', 'indexed', 'stored', 'fast'],
    config.fields.map((field) => [field.name, field.type, field.indexed, field.stored, field.fast]),
  );
  const notes = [
    `default search fields: ${(config.default_search_fields ?? []).join(', ') || '(all text fields)'}`,
    `dynamic: ${String(config.dynamic ?? '')}`,
    ...(config.routing_field === undefined ? [] : [`routing field: ${config.routing_field}`]),
    ...(config.version === undefined ? [] : [`version: ${config.version}`]),
  ];
  return `${table}\n${notes.join('\n')}`;
}

async function readSchemaFile(file: string): Promise<IndexConfig> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the schema file ${file}: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { fields?: unknown }).fields)) {
    throw new UsageError(`${file}: a schema is a JSON object with a "fields" array`);
  }
  // `schema get --json` output includes the server-assigned version, which PUT does not take.
  const { version: _version, ...config } = value as IndexConfig;
  return config as IndexConfig;
}

/** Whether commander ended the run by itself (help, version, usage error), and with which code. */
export function commanderExit(error: unknown): number | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Failure;
}

/** A score with 4 significant digits (BM25 scores may be tiny or large). */
function formatScore(score: unknown): string {
  return typeof score === 'number' && Number.isFinite(score)
    ? String(Number(score.toPrecision(4)))
    : String(score);
}
