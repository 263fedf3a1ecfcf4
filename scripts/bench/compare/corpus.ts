/**
 * The Debian package corpus as the comparison reads it. The shard store's corpus builder
 * (scripts/corpus/, storage branch) was not available when this harness was written, so
 * this module reads `apt-cache dumpavail` stanzas itself, or a JSONL file of the same
 * documents (`--corpus FILE`, one `{id, name, section, version, description, ...}` per line,
 * the format the corpus builder writes to .bench-data/).
 * @module
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BenchInputError } from './errors.js';

/** One package description, the unit both systems store and search. */
export interface CorpusDocument {
  readonly id: string;
  readonly name: string;
  readonly section: string;
  readonly version: string;
  readonly description: string;
  readonly maintainer: string;
  readonly architecture: string;
}

/**
 * Splits Debian control-file text (`apt-cache dumpavail`) into stanzas of field -> value.
 * Continuation lines (starting with a space or tab) belong to the previous field; a line
 * " ." is an empty line of a multi-line value (Debian policy 5.6.13).
 */
export function parseStanzas(text: string): Array<Map<string, string>> {
  const stanzas: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let lastField: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      lastField = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastField === undefined) continue; // a continuation with nothing to continue: ignore it
      const body = line.trim();
      const previous = current.get(lastField) ?? '';
      current.set(lastField, `${previous}\n${body === '.' ? '' : body}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a field line (control files have none; be lenient)
    lastField = line.slice(0, colon);
    current.set(lastField, line.slice(colon + 1).trim());
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

/**
 * Turns stanzas into corpus documents: one per package name (the first stanza wins, as
 * `apt-cache dumpavail` lists the candidate version first), id = package name. Stanzas
 * without a Package or Description field are skipped.
 */
export function documentsFromStanzas(stanzas: ReadonlyArray<Map<string, string>>): CorpusDocument[] {
  const seen = new Set<string>();
  const documents: CorpusDocument[] = [];
  for (const stanza of stanzas) {
    const name = stanza.get('Package');
    const description = stanza.get('Description');
    if (name === undefined || description === undefined || seen.has(name)) continue;
    seen.add(name);
    documents.push({
      id: name,
      name,
      section: stanza.get('Section') ?? 'unknown',
      version: stanza.get('Version') ?? '',
      description,
      maintainer: stanza.get('Maintainer') ?? '',
      architecture: stanza.get('Architecture') ?? '',
    });
  }
  return documents;
}

function stringField(
  record: Record<string, unknown>,
  field: string,
  line: number,
  fallback?: string,
): string {
  const value = record[field];
  if (typeof value === 'string') return value;
  if (value === undefined && fallback !== undefined) return fallback;
  throw new BenchInputError(`corpus line ${line}: field "${field}" must be a string`, {
    details: { line, field },
  });
}

/** Parses corpus JSONL (one document per line; blank lines ignored) with a typed error per bad line. */
export function parseCorpusJsonl(text: string): CorpusDocument[] {
  const documents: CorpusDocument[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]?.trim() ?? '';
    if (raw === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (cause) {
      throw new BenchInputError(`corpus line ${index + 1} is not JSON`, {
        cause,
        details: { line: index + 1 },
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BenchInputError(`corpus line ${index + 1} is not a JSON object`, {
        details: { line: index + 1 },
      });
    }
    const record = parsed as Record<string, unknown>;
    const name = stringField(record, 'name', index + 1);
    documents.push({
      id: stringField(record, 'id', index + 1, name),
      name,
      section: stringField(record, 'section', index + 1, 'unknown'),
      version: stringField(record, 'version', index + 1, ''),
      description: stringField(record, 'description', index + 1),
      maintainer: stringField(record, 'maintainer', index + 1, ''),
      architecture: stringField(record, 'architecture', index + 1, ''),
    });
  }
  return documents;
}

/** Reads the corpus from a JSONL file, or from `apt-cache dumpavail` when no file is given. */
export async function loadCorpus(jsonlPath?: string): Promise<CorpusDocument[]> {
  if (jsonlPath !== undefined) {
    const text = await readFile(jsonlPath, 'utf8').catch((cause: unknown) => {
      throw new BenchInputError(`cannot read corpus file ${jsonlPath}`, { cause });
    });
    return parseCorpusJsonl(text);
  }
  const { stdout } = await promisify(execFile)('apt-cache', ['dumpavail'], {
    maxBuffer: 512 * 1024 * 1024,
  }).catch((cause: unknown) => {
    throw new BenchInputError('`apt-cache dumpavail` failed; pass --corpus FILE.jsonl instead', { cause });
  });
  return documentsFromStanzas(parseStanzas(stdout));
}
