/**
 * The search workload's queries, drawn deterministically (seeded) from the corpus so both
 * systems answer the same questions and a rerun asks them again. Words are chosen so the
 * two tokenizers (SQLite FTS5 unicode61 and Postgres's 'simple' parser) split them the same
 * way: lowercase ASCII letters only, and phrases only from words separated by one space.
 * @module
 */
import type { CorpusDocument } from './corpus.js';

/** One search both systems run, in system-neutral form. */
export type BenchQuery =
  | { readonly kind: 'term'; readonly terms: readonly string[] }
  | { readonly kind: 'phrase'; readonly words: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'filtered'; readonly terms: readonly string[]; readonly section: string };

/** The kinds of search, in report order. */
export const QUERY_KINDS = ['term', 'phrase', 'prefix', 'filtered'] as const;
/** One kind of search. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** A small seeded PRNG (mulberry32): returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Words so frequent that a query of them is not a realistic search.
const STOPWORDS = new Set(['the', 'and', 'for', 'with', 'from', 'this', 'that', 'are', 'into', 'its', 'you']);
const WORD = /^[a-z]{3,14}$/;

/** Words of a description that both tokenizers see identically, in text order with adjacency. */
export function cleanWords(text: string): Array<{ word: string; adjacentToPrevious: boolean }> {
  const result: Array<{ word: string; adjacentToPrevious: boolean }> = [];
  let previousClean = false;
  for (const raw of text.split(' ')) {
    const word = raw.toLowerCase();
    if (WORD.test(word) && !STOPWORDS.has(word)) {
      result.push({ word, adjacentToPrevious: previousClean });
      previousClean = true;
    } else {
      previousClean = false;
    }
  }
  return result;
}

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** Builds `count` queries of one kind from random corpus documents (fewer if the corpus is too small). */
export function buildQueries(
  documents: readonly CorpusDocument[],
  kind: QueryKind,
  count: number,
  seed: number,
): BenchQuery[] {
  const random = seededRandom(seed);
  const queries: BenchQuery[] = [];
  const attempts = count * 50;
  for (let attempt = 0; attempt < attempts && queries.length < count && documents.length > 0; attempt++) {
    const document = pick(documents, random);
    if (document === undefined) continue;
    const words = cleanWords(document.description);
    const first = pick(words, random);
    if (first === undefined) continue;
    switch (kind) {
      case 'term': {
        // One or two words from the same description, so the AND has at least one match.
        const second = random() < 0.5 ? pick(words, random) : undefined;
        const terms =
          second === undefined || second.word === first.word ? [first.word] : [first.word, second.word];
        queries.push({ kind, terms });
        break;
      }
      case 'phrase': {
        const pairs = words.flatMap((entry, index) => {
          const previous = words[index - 1];
          return entry.adjacentToPrevious && previous !== undefined ? [[previous.word, entry.word]] : [];
        });
        const pair = pick(pairs, random);
        if (pair !== undefined) queries.push({ kind, words: pair });
        break;
      }
      case 'prefix':
        if (first.word.length >= 5) queries.push({ kind, prefix: first.word.slice(0, 4) });
        break;
      case 'filtered':
        if (/^[a-z0-9-]+$/.test(document.section))
          queries.push({ kind, terms: [first.word], section: document.section });
        break;
    }
  }
  return queries;
}

/** A short human label of a query, for logs. */
export function describeQuery(query: BenchQuery): string {
  switch (query.kind) {
    case 'term':
      return query.terms.join(' ');
    case 'phrase':
      return `"${query.words.join(' ')}"`;
    case 'prefix':
      return `${query.prefix}*`;
    case 'filtered':
      return `${query.terms.join(' ')} section:${query.section}`;
  }
}
