/**
 * Builds the benchmark corpus from the Debian package index: `apt-cache dumpavail` for the
 * package stanzas, the Translation-en lists for the long descriptions. Writes JSONL to
 * .bench-data/debian-corpus.jsonl, one document a line:
 *   { id, name, section, version, priority, maintainer, architecture, installed_size,
 *     homepage, tags, description }
 * The file is cached; `--refresh` rebuilds it. If no Translation-en list is present it runs
 * `apt-get update -o Acquire::Languages=en` first (needs root; otherwise short descriptions).
 *
 * Usage: npx tsx scripts/corpus/debian-corpus.ts [--refresh]
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One corpus document. */
export interface DebianPackage {
  id: string;
  name: string;
  section: string;
  version: string;
  priority: string;
  maintainer: string;
  architecture: string;
  installed_size: number;
  homepage: string;
  tags: string;
  description: string;
}

const LISTS = '/var/lib/apt/lists';
/** Where the corpus is cached. */
export const CORPUS_PATH = resolve(
  fileURLToPath(new URL('../../.bench-data/debian-corpus.jsonl', import.meta.url)),
);

/** Parses deb822 stanzas into field maps (continuation lines joined with newlines). */
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

function translationFiles(): string[] {
  if (!existsSync(LISTS)) return [];
  return readdirSync(LISTS)
    .filter((name) => name.includes('_i18n_Translation-en'))
    .map((name) => join(LISTS, name));
}

/** Long descriptions by `package md5`. */
function longDescriptions(): Map<string, string> {
  const descriptions = new Map<string, string>();
  for (const file of translationFiles()) {
    // apt-helper decompresses whatever compression apt stored the list with.
    const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', file], {
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    for (const stanza of parseStanzas(text)) {
      const name = stanza.get('Package');
      const md5 = stanza.get('Description-md5');
      const description = stanza.get('Description-en');
      if (name !== undefined && md5 !== undefined && description !== undefined)
        descriptions.set(`${name} ${md5}`, description);
    }
  }
  return descriptions;
}

/** Builds (or reuses) the corpus file; returns its path and document count. */
export function buildCorpus(refresh = false): { path: string; documents: number } {
  if (!refresh && existsSync(CORPUS_PATH)) {
    const documents = readFileSync(CORPUS_PATH, 'utf8').split('\n').filter(Boolean).length;
    return { path: CORPUS_PATH, documents };
  }
  if (translationFiles().length === 0) {
    try {
      execFileSync('apt-get', ['update', '-o', 'Acquire::Languages=en'], { stdio: 'inherit' });
    } catch (error) {
      process.stderr.write(`apt-get update failed (${String(error)}); continuing with short descriptions\n`);
    }
  }
  const long = longDescriptions();
  const dump = execFileSync('apt-cache', ['dumpavail'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const seen = new Set<string>();
  const lines: string[] = [];
  let withLong = 0;
  for (const stanza of parseStanzas(dump)) {
    const name = stanza.get('Package');
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const short = stanza.get('Description') ?? '';
    const full = long.get(`${name} ${stanza.get('Description-md5') ?? ''}`);
    if (full !== undefined) withLong += 1;
    const doc: DebianPackage = {
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
      description: full ?? short,
    };
    lines.push(JSON.stringify(doc));
  }
  mkdirSync(resolve(CORPUS_PATH, '..'), { recursive: true });
  writeFileSync(CORPUS_PATH, `${lines.join('\n')}\n`);
  process.stderr.write(
    `corpus: ${lines.length} packages, ${withLong} with long descriptions -> ${CORPUS_PATH}\n`,
  );
  return { path: CORPUS_PATH, documents: lines.length };
}

/** Reads the corpus (building it first when missing). */
export function loadCorpus(): DebianPackage[] {
  const { path } = buildCorpus();
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DebianPackage);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = buildCorpus(process.argv.includes('--refresh'));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
