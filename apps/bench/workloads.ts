/**
 * The operations a run sends, built from the corpus: single durable writes (PUT document),
 * bulk batches (POST _bulk), and searches drawn from the corpus vocabulary (terms, phrases,
 * prefixes, and terms filtered by section), plus a mix of them by weight. Generation is
 * seeded, so two runs with the same seed send the same requests.
 * @module
 */
import type { CorpusDocument } from './corpus.js';
import { errorCodeOf, type HttpTarget } from './http-target.js';
import type { Operation, OperationOutcome } from './recorder.js';

/** The kinds of operation. */
export const OPERATION_KINDS = ['write', 'bulk', 'search'] as const;
/** One kind of operation. */
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** The kinds of generated query. */
export const QUERY_KINDS = ['term', 'phrase', 'prefix', 'filtered'] as const;
/** One kind of generated query. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Relative weights by name (e.g. {search: 90, write: 10}). */
export type Weights<K extends string> = Readonly<Partial<Record<K, number>>>;

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
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

/** Picks a key by weight; weights must be non-negative with a positive sum. */
export function weightedPicker<K extends string>(weights: Weights<K>, random: () => number): () => K {
  const entries = Object.entries(weights).filter(([, w]) => (w as number) > 0) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (entries.length === 0 || !(total > 0)) throw new RangeError('weights need at least one positive entry');
  return () => {
    let r = random() * total;
    for (const [key, weight] of entries) {
      r -= weight;
      if (r < 0) return key;
    }
    return entries[entries.length - 1]![0];
  };
}

/**
 * English function words of 4+ letters. Drawn by frequency from descriptions they would be
 * a third of all term queries ("with", "this", "that"), each matching most of the corpus,
 * which no search user types; they stay out of term/prefix/filtered picks (phrases keep them).
 */
const STOP_WORDS = new Set(
  (
    'about also been both but can does each either even every from have here into itself just like more most much ' +
    'must only other over same should some such than that their them then there these they this those through ' +
    'upon used uses using very were what when where which while will with within without would your'
  ).split(' '),
);

/**
 * A text's tokens as FTS5's unicode61 tokenizer sees them for ASCII: lower-cased, split at
 * every ASCII character that is not a letter or digit (non-ASCII stays inside tokens, and
 * such tokens are never picked), so adjacent tokens here are adjacent in the index.
 */
function tokensOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9\u0080-\uffff]+/)
    .filter((token) => token !== '');
}

const PLAIN_TOKEN = /^[a-z0-9]+$/;

/** A word worth searching for: 4+ ASCII letters and not a stop word. */
function isContentWord(token: string): boolean {
  return /^[a-z]{4,}$/.test(token) && !STOP_WORDS.has(token);
}

/** Quotes a value for the query language (backslash-escaping `"` and `\`). */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A query generator: each query is built from a content word of a random corpus document's
 * description, so it matches at least that document: the word, the word and its neighbour
 * as a phrase, its first four letters as a prefix, or the word AND the document's section.
 */
export function queryGenerator(
  corpus: readonly CorpusDocument[],
  mix: Weights<QueryKind>,
  random: () => number,
): () => { kind: QueryKind; query: string } {
  const pickKind = weightedPicker(mix, random);
  // A random document with at least one content word in its description (or any, after 100 tries).
  const pickDocument = (): { tokens: string[]; at: number; doc: CorpusDocument } => {
    for (let attempt = 0; ; attempt += 1) {
      const doc = corpus[Math.floor(random() * corpus.length)]!;
      const tokens = tokensOf(doc.description);
      const content = tokens.flatMap((token, i) => (isContentWord(token) ? [i] : []));
      if (content.length > 0) return { tokens, at: content[Math.floor(random() * content.length)]!, doc };
      if (attempt >= 100) return { tokens: ['package'], at: 0, doc };
    }
  };
  return () => {
    const kind = pickKind();
    const { tokens, at, doc } = pickDocument();
    const word = tokens[at]!;
    switch (kind) {
      case 'term':
        return { kind, query: word };
      case 'phrase': {
        // The word and its neighbour in the text (after it, else before it).
        const next = tokens[at + 1];
        const previous = tokens[at - 1];
        if (next !== undefined && PLAIN_TOKEN.test(next)) return { kind, query: quoted(`${word} ${next}`) };
        if (previous !== undefined && PLAIN_TOKEN.test(previous))
          return { kind, query: quoted(`${previous} ${word}`) };
        return { kind, query: quoted(word) };
      }
      case 'prefix':
        return { kind, query: `${word.slice(0, 4)}*` };
      case 'filtered':
        return { kind, query: doc.section === '' ? word : `${word} AND section:${quoted(doc.section)}` };
    }
  };
}

/** Options of a workload. */
export interface WorkloadOptions {
  readonly target: HttpTarget;
  readonly index: string;
  readonly corpus: readonly CorpusDocument[];
  /** Weights of write/bulk/search (one kind for the pure modes). */
  readonly mix: Weights<OperationKind>;
  readonly batchSize: number;
  readonly queryMix: Weights<QueryKind>;
  /** Send this query every time instead of generated ones. */
  readonly fixedQuery?: string;
  /** Hits asked per search. */
  readonly searchLimit: number;
  readonly seed: number;
  /** Prefix of written ids, so repeated runs create new documents instead of updating. */
  readonly idPrefix: string;
  /** Stop writing after this many documents (a bulk batch is cut short at it). */
  readonly documentLimit?: number;
}

/** A source of operations, and how many documents it has sent so far. */
export interface Workload {
  next(): Operation;
  readonly documentsSent: number;
}

/** Turns an answer into an outcome; bulk answers report written and refused items. */
function outcomeOf(
  kind: OperationKind,
  status: number,
  body: string,
  networkError: string | undefined,
  expectedUnits: number,
): OperationOutcome {
  if (status < 200 || status >= 300) {
    const code = errorCodeOf({ status, body, ...(networkError === undefined ? {} : { networkError }) });
    return { kind, status, units: 0, ...(code === undefined ? {} : { errorCode: code }) };
  }
  if (kind !== 'bulk') return { kind, status, units: expectedUnits };
  try {
    const parsed = JSON.parse(body) as { items_written?: unknown; errors?: unknown };
    const written = typeof parsed.items_written === 'number' ? parsed.items_written : 0;
    const itemErrors = Array.isArray(parsed.errors) ? parsed.errors.length : expectedUnits - written;
    return { kind, status, units: written, itemErrors };
  } catch {
    return { kind, status: 0, units: 0, errorCode: 'BAD_BULK_ANSWER' };
  }
}

/** Builds the operations of a run. */
export function createWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const pickKind = weightedPicker(options.mix, random);
  const fixedQuery = options.fixedQuery;
  const nextQuery =
    fixedQuery === undefined
      ? queryGenerator(options.corpus, options.queryMix, random)
      : () => ({ query: fixedQuery });
  const base = `/api/${encodeURIComponent(options.index)}`;
  let documentCursor = 0;
  let documentsSent = 0;
  const documentLimit = options.documentLimit ?? Number.POSITIVE_INFINITY;

  // The n-th written document: corpus entries in order, a new id on every pass.
  const nextDocument = (): string => {
    const n = documentCursor;
    documentCursor += 1;
    const doc = options.corpus[n % options.corpus.length]!;
    const pass = Math.floor(n / options.corpus.length);
    const id = `${options.idPrefix}${pass === 0 ? '' : `${pass}~`}${doc.id}`;
    return `{"id":${JSON.stringify(id)},"doc":${doc.docJson}}`;
  };

  const send = (
    kind: OperationKind,
    method: string,
    path: string,
    body: string,
    units: number,
  ): Operation => {
    return async () => {
      const answer = await options.target.send(method, path, body);
      return outcomeOf(kind, answer.status, answer.body, answer.networkError, units);
    };
  };

  return {
    get documentsSent() {
      return documentsSent;
    },
    next(): Operation {
      const kind = pickKind();
      switch (kind) {
        case 'write':
          documentsSent += 1;
          return send('write', 'PUT', `${base}/document`, nextDocument(), 1);
        case 'bulk': {
          const size = Math.max(0, Math.min(options.batchSize, documentLimit - documentsSent));
          const items: string[] = [];
          for (let i = 0; i < size; i += 1) items.push(nextDocument());
          documentsSent += size;
          return send('bulk', 'POST', `${base}/_bulk`, `[${items.join(',')}]`, size);
        }
        case 'search': {
          const { query } = nextQuery();
          return send(
            'search',
            'POST',
            `${base}/search`,
            JSON.stringify({ query, limit: options.searchLimit }),
            1,
          );
        }
      }
    },
  };
}
