/**
 * The benchmark corpus: JSONL, one Debian package a line ({id, name, section, version,
 * priority, maintainer, architecture, installed_size, homepage, tags, description}), the
 * format of scripts/corpus/debian-corpus.ts (storage branch) at the same default path,
 * .bench-data/debian-corpus.jsonl. When the file is missing the tool builds it itself from
 * `apt-cache dumpavail` and the apt Translation-en lists (long descriptions), so a bench
 * run needs nothing but this machine's apt lists.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BenchSetupError } from './errors.js';

/** One corpus document, with its body pre-serialised for the request builders. */
export interface CorpusDocument {
  readonly id: string;
  readonly section: string;
  readonly description: string;
  /** JSON of the document without its id (the `doc` of a write). */
  readonly docJson: string;
}

/** The index schema the bench creates for the Debian corpus (PUT _config body). */
export const DEBIAN_SCHEMA = {
  fields: [
    { name: 'name', type: 'text', weight: 2 },
    { name: 'description', type: 'text' },
    { name: 'section', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'priority', type: 'string' },
    { name: 'architecture', type: 'string' },
    { name: 'installed_size', type: 'u64' },
    { name: 'maintainer', type: 'string', indexed: false, fast: false },
    { name: 'homepage', type: 'string', indexed: false, fast: false },
    { name: 'tags', type: 'string', indexed: false, fast: false },
  ],
  default_search_fields: ['name', 'description'],
} as const;

/** Parses JSONL corpus text; every line must be an object with a string `id`. */
export function parseCorpus(text: string, source = 'corpus'): CorpusDocument[] {
  const documents: CorpusDocument[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new BenchSetupError(`${source}: line ${i + 1} is not JSON`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { id?: unknown }).id !== 'string')
      throw new BenchSetupError(`${source}: line ${i + 1} is not an object with a string "id"`);
    const { id, ...doc } = parsed as Record<string, unknown> & { id: string };
    documents.push({
      id,
      section: typeof doc.section === 'string' ? doc.section : '',
      description: typeof doc.description === 'string' ? doc.description : '',
      docJson: JSON.stringify(doc),
    });
  }
  if (documents.length === 0) throw new BenchSetupError(`${source}: no documents`);
  return documents;
}

/** Parses deb822 stanzas (apt's format) into field maps; continuation lines join with newlines. */
export function parseStanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastKey: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      lastKey = undefined;
    } else if ((line.startsWith(' ') || line.startsWith('\t')) && lastKey !== undefined) {
      const continuation = line.slice(1) === '.' ? '' : line.slice(1);
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${continuation}`);
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) {
        lastKey = line.slice(0, colon);
        current.set(lastKey, line.slice(colon + 1).trim());
      }
    }
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

const APT_LISTS = '/var/lib/apt/lists';

/** Writes the Debian corpus JSONL from apt's package lists; returns the document count. */
export function buildDebianCorpus(path: string): number {
  const long = new Map<string, string>();
  const translations = existsSync(APT_LISTS)
    ? readdirSync(APT_LISTS).filter((name) => name.includes('_i18n_Translation-en'))
    : [];
  try {
    for (const file of translations) {
      // apt-helper decompresses whatever compression apt stored the list with.
      const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', join(APT_LISTS, file)], {
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      });
      for (const stanza of parseStanzas(text)) {
        const name = stanza.get('Package');
        const md5 = stanza.get('Description-md5');
        const description = stanza.get('Description-en');
        if (name !== undefined && md5 !== undefined && description !== undefined)
          long.set(`${name} ${md5}`, description);
      }
    }
    const dump = execFileSync('apt-cache', ['dumpavail'], { maxBuffer: 1 << 30, encoding: 'utf8' });
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const stanza of parseStanzas(dump)) {
      const name = stanza.get('Package');
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      lines.push(
        JSON.stringify({
          id: name,
          name,
          section: stanza.get('Section') ?? '',
          version: stanza.get('Version') ?? '',
          priority: stanza.get('Priority') ?? '',
          maintainer: stanza.get('Maintainer') ?? '',
          architecture: stanza.get('Architecture') ?? '',
          installed_size: Number(stanza.get('Installed-Size') ?? 0) || 0,
          homepage: stanza.get('Homepage') ?? '',
          tags: (stanza.get('Tag') ?? '').replace(/\s+/g, ' '),
          description:
            long.get(`${name} ${stanza.get('Description-md5') ?? ''}`) ?? stanza.get('Description') ?? '',
        }),
      );
    }
    if (lines.length === 0) throw new BenchSetupError('apt-cache dumpavail listed no packages');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${lines.join('\n')}\n`);
    return lines.length;
  } catch (error) {
    if (error instanceof BenchSetupError) throw error;
    throw new BenchSetupError(
      `cannot build the Debian corpus from apt (${String(error)}); pass --corpus FILE`,
      {
        cause: error,
      },
    );
  }
}

/** Reads the corpus at `path`, building the Debian corpus there first when it is missing. */
export function loadCorpus(path: string, options: { build?: boolean } = {}): CorpusDocument[] {
  if (!existsSync(path)) {
    if (options.build === false) throw new BenchSetupError(`corpus file ${path} does not exist`);
    buildDebianCorpus(path);
  }
  return parseCorpus(readFileSync(path, 'utf8'), path);
}
