/**
 * The benchmark corpus: JSONL, one Debian package a line ({id, name, section, version,
 * priority, maintainer, architecture, installed_size, homepage, tags, description}), the
 * format of scripts/corpus/debian-corpus.ts (storage branch) at the same default path,
 * .bench-data/debian-corpus.jsonl. When the default file is missing the tool builds it with
 * that script (apt-cache dumpavail plus the Translation-en long descriptions).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCorpus, CORPUS_PATH } from '../../scripts/corpus/debian-corpus.js';
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

/** Reads the corpus at `path`, building the Debian corpus there first when it is missing. */
export function loadCorpus(path: string, options: { build?: boolean } = {}): CorpusDocument[] {
  if (!existsSync(path)) {
    if (options.build === false || resolve(path) !== CORPUS_PATH) {
      throw new BenchSetupError(
        `corpus file ${path} does not exist (build the default one: npx tsx scripts/corpus/debian-corpus.ts)`,
      );
    }
    buildCorpus();
  }
  return parseCorpus(readFileSync(path, 'utf8'), path);
}
