import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  documentsFromStanzas,
  loadCorpus,
  parseCorpusJsonl,
  parseStanzas,
} from '../../../../scripts/bench/compare/corpus.js';
import { BenchInputError } from '../../../../scripts/bench/compare/errors.js';

const DUMPAVAIL = `Package: 0ad
Version: 0.0.26-3
Architecture: amd64
Depends: 0ad-data (>= 0.0.26),
 libc6 (>= 2.34)
Description: Real-time strategy game of ancient warfare
 A long description line.
 .
 After an empty line.
Section: games

Package: nodesc
Version: 1

Package: 0ad
Version: 0.0.25-1
Description: older duplicate
Section: games

Package: bash
Version: 5.2.15-2+b13
Description: GNU Bourne Again SHell
Section: shells
Maintainer: Matthias Klose <doko@debian.org>
`;

describe('apt-cache dumpavail stanzas', () => {
  it('splits stanzas on blank lines and joins continuation lines', () => {
    const stanzas = parseStanzas(DUMPAVAIL);
    expect(stanzas).toHaveLength(4);
    expect(stanzas[0]?.get('Depends')).toBe('0ad-data (>= 0.0.26),\nlibc6 (>= 2.34)');
    expect(stanzas[0]?.get('Description')).toBe(
      'Real-time strategy game of ancient warfare\nA long description line.\n\nAfter an empty line.',
    );
    expect(stanzas[3]?.get('Maintainer')).toBe('Matthias Klose <doko@debian.org>');
  });

  it('keeps the first stanza per package and skips stanzas without a description', () => {
    const documents = documentsFromStanzas(parseStanzas(DUMPAVAIL));
    expect(documents.map((document) => document.id)).toEqual(['0ad', 'bash']);
    expect(documents[0]).toMatchObject({
      name: '0ad',
      section: 'games',
      version: '0.0.26-3',
      architecture: 'amd64',
    });
    expect(documents[1]).toMatchObject({ section: 'shells', description: 'GNU Bourne Again SHell' });
  });

  it('tolerates CRLF-free oddities: leading continuation and trailing text without newline', () => {
    const stanzas = parseStanzas(' orphan continuation\nPackage: x\nDescription: y');
    expect(stanzas).toHaveLength(1);
    expect(documentsFromStanzas(stanzas)[0]).toMatchObject({ id: 'x', section: 'unknown', description: 'y' });
  });
});

describe('corpus JSONL', () => {
  it('reads documents and fills optional fields', () => {
    const text = [
      JSON.stringify({ id: 'p1', name: 'one', section: 'utils', version: '1', description: 'first' }),
      '',
      JSON.stringify({ name: 'two', description: 'second', extra: 1 }),
    ].join('\n');
    expect(parseCorpusJsonl(text)).toEqual([
      {
        id: 'p1',
        name: 'one',
        section: 'utils',
        version: '1',
        description: 'first',
        maintainer: '',
        architecture: '',
      },
      {
        id: 'two',
        name: 'two',
        section: 'unknown',
        version: '',
        description: 'second',
        maintainer: '',
        architecture: '',
      },
    ]);
  });

  it('names the line of bad input', () => {
    expect(() => parseCorpusJsonl('{"name":"a","description":"b"}\nnot json')).toThrow(/line 2 is not JSON/);
    expect(() => parseCorpusJsonl('[1]')).toThrow(BenchInputError);
    expect(() => parseCorpusJsonl('{"name":"a"}')).toThrow(/field "description"/);
    expect(() => parseCorpusJsonl('{"name":"a","description":"b","section":3}')).toThrow(/field "section"/);
  });

  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('loads a JSONL file, and fails with a typed error when it is missing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'compare-corpus-'));
    directories.push(directory);
    const file = join(directory, 'corpus.jsonl');
    await writeFile(file, `${JSON.stringify({ id: 'a', name: 'a', description: 'alpha' })}\n`);
    expect((await loadCorpus(file)).map((document) => document.id)).toEqual(['a']);
    await expect(loadCorpus(join(directory, 'absent.jsonl'))).rejects.toBeInstanceOf(BenchInputError);
  });
});
