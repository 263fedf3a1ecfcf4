/**
 * runWorkloads against an in-memory target: every workload is measured, inputs are the
 * shared queries, a failed bulk load aborts, and read-your-writes notices a system where a
 * write becomes searchable only later.
 */
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { CorpusDocument } from '../../../../scripts/bench/compare/corpus.js';
import { BenchRequestError } from '../../../../scripts/bench/compare/errors.js';
import { buildQueries, QUERY_KINDS } from '../../../../scripts/bench/compare/queries.js';
import type { BenchQuery, QueryKind } from '../../../../scripts/bench/compare/queries.js';
import type { BenchTarget } from '../../../../scripts/bench/compare/target.js';
import { letters, runWorkloads, WORKLOADS } from '../../../../scripts/bench/compare/workloads.js';
import type { WorkloadOptions } from '../../../../scripts/bench/compare/workloads.js';

const logger = pino({ level: 'silent' });
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const DOCUMENTS: CorpusDocument[] = Array.from({ length: 250 }, (_, index) => ({
  id: `pkg-${index}`,
  name: `pkg${letters(index)}`,
  section: index % 2 === 0 ? 'utils' : 'devel',
  version: '1',
  description: `${WORDS[index % 8]} ${WORDS[(index * 3) % 8]} tool ${WORDS[(index + 5) % 8]}`,
  maintainer: '',
  architecture: 'all',
}));
const OPTIONS: WorkloadOptions = {
  durationMs: 25,
  batchSize: 100,
  writeConcurrency: 8,
  searchConcurrency: 4,
  limit: 10,
};

/** A naive in-memory search system; `visibilityDelay` searches must pass before a write shows. */
class MemoryTarget implements BenchTarget {
  readonly system = 'CameoDB' as const;
  readonly documents = new Map<string, CorpusDocument>();
  readonly pending: Array<{ document: CorpusDocument; searchesLeft: number }> = [];
  bulkCalls = 0;
  searches = 0;
  analyzed = false;

  constructor(
    private readonly visibilityDelay = 0,
    private readonly failBulkAt = -1,
  ) {}

  async bulkInsert(documents: readonly CorpusDocument[]): Promise<void> {
    if (this.bulkCalls++ === this.failBulkAt) throw new BenchRequestError('disk full');
    for (const document of documents) this.documents.set(document.id, document);
  }
  async afterBulkLoad(): Promise<void> {
    this.analyzed = true;
  }
  async putDocument(document: CorpusDocument): Promise<void> {
    if (this.visibilityDelay === 0) this.documents.set(document.id, document);
    else this.pending.push({ document, searchesLeft: this.visibilityDelay });
  }
  async getDocument(id: string): Promise<CorpusDocument | undefined> {
    return this.documents.get(id);
  }
  async countMatches(query: BenchQuery): Promise<number> {
    return (await this.search(query, Number.MAX_SAFE_INTEGER)).length;
  }
  async search(query: BenchQuery, limit: number): Promise<string[]> {
    this.searches++;
    for (const entry of [...this.pending]) {
      if (--entry.searchesLeft <= 0) {
        this.documents.set(entry.document.id, entry.document);
        this.pending.splice(this.pending.indexOf(entry), 1);
      }
    }
    const words = (document: CorpusDocument): string[] =>
      `${document.name} ${document.description}`.split(' ');
    const matches = [...this.documents.values()].filter((document) => {
      switch (query.kind) {
        case 'term':
          return query.terms.every((term) => words(document).includes(term));
        case 'phrase':
          return ` ${document.description} `.includes(` ${query.words.join(' ')} `);
        case 'prefix':
          return words(document).some((word) => word.startsWith(query.prefix));
        case 'filtered':
          return (
            document.section === query.section && query.terms.every((term) => words(document).includes(term))
          );
      }
    });
    return matches.slice(0, limit).map((document) => document.id);
  }
  async close(): Promise<void> {}
}

function queries(): Record<QueryKind, BenchQuery[]> {
  return Object.fromEntries(
    QUERY_KINDS.map((kind) => [kind, buildQueries(DOCUMENTS, kind, 20, 1)]),
  ) as Record<QueryKind, BenchQuery[]>;
}

describe('runWorkloads', () => {
  it('measures every workload and keeps the term queries top 10 for the agreement check', async () => {
    const target = new MemoryTarget();
    const shared = queries();
    const run = await runWorkloads(target, 'memory', DOCUMENTS, shared, OPTIONS, logger);
    for (const workload of WORKLOADS) {
      const summary = run.results.get(workload.id);
      expect(summary?.operations).toBeGreaterThan(0);
      expect(summary?.errors).toBe(0);
    }
    expect(run.results.get('bulk')?.operations).toBe(3); // 250 docs in batches of 100
    expect(target.analyzed).toBe(true);
    expect(run.termTopIds).toHaveLength(shared.term.length);
    expect(run.termTopIds.every((ids) => ids.length > 0 && ids.length <= 10)).toBe(true);
    expect(run.termMatchCounts).toHaveLength(shared.term.length);
    run.termMatchCounts.forEach((count, index) =>
      expect(count).toBeGreaterThanOrEqual(run.termTopIds[index]?.length ?? Infinity),
    );
    // The corpus plus its second copy plus the single writes and probes are all stored.
    expect(target.documents.has('copy-pkg-0')).toBe(true);
    expect(target.documents.has('write-0')).toBe(true);
    expect(target.documents.has('ryw-0')).toBe(true);
    expect(run.notes).toContain('read-your-writes probes that needed more than one search: 0');
  });

  it('counts read-your-writes probes that a lagging system shows only on a later search', async () => {
    const run = await runWorkloads(new MemoryTarget(3), 'lagging', DOCUMENTS, queries(), OPTIONS, logger);
    const note = run.notes.find((entry) => entry.startsWith('read-your-writes probes'));
    const probes = run.results.get('ryw')?.operations ?? 0;
    expect(probes).toBeGreaterThan(0);
    expect(note).toBe(`read-your-writes probes that needed more than one search: ${probes}`);
  });

  it('aborts with a typed error when the initial bulk load fails', async () => {
    await expect(
      runWorkloads(new MemoryTarget(0, 1), 'broken', DOCUMENTS, queries(), OPTIONS, logger),
    ).rejects.toThrow(BenchRequestError);
  });
});

describe('probe tokens', () => {
  it('are distinct lowercase words', () => {
    const tokens = new Set(Array.from({ length: 2000 }, (_, index) => letters(index)));
    expect(tokens.size).toBe(2000);
    for (const token of tokens) expect(token).toMatch(/^[a-z]+$/);
    expect(letters(0)).toBe('a');
    expect(letters(26)).toBe('ba');
  });
});
