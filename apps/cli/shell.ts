/**
 * The interactive shell (`cameodb client -i`): each line is a client command without the
 * `cameodb client` prefix, run through the same program as the command line. History is
 * kept in ~/.cameodb_history; Tab completes commands, index names and field names fetched
 * from the server (cached for a few seconds).
 * @module
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface, type AsyncCompleter } from 'node:readline';
import type { CameoClient, FieldConfig } from '../sdk/index.js';
import { UsageError } from './exit-codes.js';
import { writeLine, type CliIo } from './io.js';

/** Where completions come from (the server, or a fake source in tests). */
export interface CompletionSource {
  indexNames(): Promise<readonly string[]>;
  fieldNames(index: string): Promise<readonly string[]>;
}

const COMMANDS = ['health', 'list', 'schema', 'search', 'get', 'delete', 'drop', 'data', 'help', 'exit'];
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  schema: ['get', 'put', 'detect'],
  data: ['load'],
};
const SEARCH_OPTIONS = ['--limit', '--offset', '--fields', '--sort', '--highlight', '--stream', '--json'];
/** Commands whose index argument is at this word position (0 is the command). */
const INDEX_POSITION: Readonly<Record<string, number>> = {
  search: 1,
  get: 1,
  delete: 1,
  drop: 1,
  'schema get': 2,
  'schema put': 2,
  'data load': 2,
};

/** Splits a line into words; single and double quotes group, a backslash escapes. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (char === '\\' && quote !== "'" && index + 1 < line.length) {
      current += line[index + 1];
      index += 1;
      inWord = true;
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new UsageError(`unclosed ${quote} quote`);
  if (inWord) words.push(current);
  return words;
}

/**
 * Completions for the word being typed at the end of `line`: commands first, then
 * subcommands, index names where an index goes, and field names (as `field:` in a search
 * query, plain after --fields and --sort).
 */
export async function completeShellLine(line: string, source: CompletionSource): Promise<[string[], string]> {
  const words = line.split(/\s+/);
  const current = words.pop() ?? '';
  const previous = words.filter((word) => word !== '');
  const match = (candidates: readonly string[]): [string[], string] => [
    candidates.filter((candidate) => candidate.startsWith(current)),
    current,
  ];
  if (previous.length === 0) return match(COMMANDS);
  const command = previous[0] as string;
  const subcommands = SUBCOMMANDS[command];
  if (subcommands !== undefined && previous.length === 1) return match(subcommands);
  const key = subcommands !== undefined ? `${command} ${previous[1] ?? ''}` : command;
  const indexPosition = INDEX_POSITION[key];
  if (indexPosition === undefined) return [[], current];
  if (previous.length === indexPosition) return match(await source.indexNames());
  if (command !== 'search' || previous.length < indexPosition + 1) return [[], current];
  const index = previous[indexPosition] as string;
  const last = previous.at(-1);
  if (last === '--fields' || last === '--sort') {
    // --fields a,b,c: complete the last name of the list.
    const head = current.slice(0, current.lastIndexOf(',') + 1);
    const fields = await source.fieldNames(index);
    const candidates = fields.map((field) => head + field);
    return [candidates.filter((candidate) => candidate.startsWith(current)), current];
  }
  if (current.startsWith('-')) return match(SEARCH_OPTIONS);
  const fields = await source.fieldNames(index);
  return match(fields.map((field) => `${field}:`));
}

/** Completion data from the server, cached for `ttlMs`. Failures complete nothing. */
export function serverCompletionSource(client: CameoClient, ttlMs = 5000): CompletionSource {
  const cache = new Map<string, { at: number; values: readonly string[] }>();
  const cached = async (key: string, load: () => Promise<readonly string[]>): Promise<readonly string[]> => {
    const hit = cache.get(key);
    if (hit !== undefined && Date.now() - hit.at < ttlMs) return hit.values;
    // Completion is a convenience: an unreachable server just offers nothing to complete.
    const values = await load().catch(() => [] as string[]);
    cache.set(key, { at: Date.now(), values });
    return values;
  };
  const fieldName = (field: string | FieldConfig): string => (typeof field === 'string' ? field : field.name);
  return {
    indexNames: () =>
      cached('indexes', async () =>
        (await client.listIndexes({ timeoutMs: 2000 })).indexes.map((i) => i.name),
      ),
    fieldNames: (index) =>
      cached(`fields:${index}`, async () => {
        // The schema when there is one; else the field list of GET /_indexes (dynamic fields).
        const [schema, list] = await Promise.allSettled([
          client.getSchema(index, { timeoutMs: 2000 }),
          client.listIndexes({ timeoutMs: 2000 }),
        ]);
        const names = new Set<string>();
        if (schema.status === 'fulfilled')
          for (const field of schema.value.fields ?? []) names.add(fieldName(field));
        if (list.status === 'fulfilled') {
          const entry = list.value.indexes.find((candidate) => candidate.name === index);
          for (const field of entry?.fields ?? []) names.add(fieldName(field));
        }
        return [...names];
      }),
  };
}

const HISTORY_FILE = '.cameodb_history';
const HISTORY_SIZE = 1000;

async function loadHistory(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length > HISTORY_SIZE * 2) await writeFile(path, `${lines.slice(-HISTORY_SIZE).join('\n')}\n`);
  // readline wants the newest entry first.
  return lines.slice(-HISTORY_SIZE).reverse();
}

/** Runs the shell until `exit`, `quit` or end of input; returns the exit code (0). */
export async function runShell(
  io: CliIo,
  client: CameoClient,
  runLine: (words: string[]) => Promise<number>,
): Promise<number> {
  const historyPath = join(io.homeDir, HISTORY_FILE);
  const history = await loadHistory(historyPath);
  const completions = serverCompletionSource(client);
  const completer: AsyncCompleter = (line, callback) => {
    completeShellLine(line, completions).then(
      (result) => callback(null, result),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
  const terminal = io.stdin.isTTY === true;
  const readline = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal,
    completer,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: 'cameodb> ',
  });
  readline.on('SIGINT', () => readline.close());
  writeLine(io.stdout, `connected to ${client.url}; "help" lists commands, "exit" leaves`);
  readline.prompt();
  for await (const line of readline) {
    const trimmed = line.trim();
    if (trimmed !== '') {
      await appendFile(historyPath, `${trimmed}\n`);
      if (trimmed === 'exit' || trimmed === 'quit') break;
      let words: string[] | undefined;
      try {
        words = tokenize(trimmed);
      } catch (error) {
        writeLine(io.stderr, `error: ${(error as Error).message}`);
      }
      if (words !== undefined) {
        const code = await runLine(words[0] === 'help' ? ['--help'] : words);
        if (code !== 0 && !terminal) writeLine(io.stderr, `(exit code ${code})`);
      }
    }
    readline.prompt();
  }
  readline.close();
  return 0;
}
