import { describe, expect, it } from '@jest/globals';
import {
  createWorkload,
  parseCorpus,
  queryGenerator,
  seededRandom,
  type HttpTarget,
} from '../../../apps/bench/index.js';

const corpus = parseCorpus(
  [
    {
      id: 'vim',
      name: 'vim',
      section: 'editors',
      description: 'Vi IMproved, a highly configurable text editor with this and that',
    },
    {
      id: 'gimp',
      name: 'gimp',
      section: 'graphics',
      description: 'GNU Image Manipulation Program for raster graphics',
    },
    {
      id: 'nethack',
      name: 'nethack',
      section: 'games',
      description: 'dungeon exploration game with text graphics',
    },
  ]
    .map((doc) => JSON.stringify(doc))
    .join('\n'),
);

/** A target that answers every request with 200 and remembers it. */
function recordingTarget(): HttpTarget & { sent: { method: string; path: string; body: string }[] } {
  const sent: { method: string; path: string; body: string }[] = [];
  return {
    url: 'http://fake',
    sent,
    async send(method, path, body = '') {
      sent.push({ method, path, body });
      const items = path.endsWith('/_bulk') ? (JSON.parse(body) as unknown[]).length : 0;
      return { status: 200, body: JSON.stringify({ items_written: items, errors: [] }) };
    },
    close: () => undefined,
  };
}

const base = {
  index: 'bench',
  corpus,
  batchSize: 2,
  queryMix: { term: 1 },
  searchLimit: 10,
  seed: 5,
  idPrefix: 'r1-',
};

describe('createWorkload', () => {
  it('writes corpus documents in order, with a new id on every pass', async () => {
    const target = recordingTarget();
    const workload = createWorkload({ ...base, target, mix: { write: 1 } });
    for (let i = 0; i < 4; i += 1) await workload.next()();
    expect(target.sent.map((r) => [r.method, r.path])).toEqual(Array(4).fill(['PUT', '/api/bench/document']));
    expect(target.sent.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual([
      'r1-vim',
      'r1-gimp',
      'r1-nethack',
      'r1-1~vim',
    ]);
    expect(JSON.parse(target.sent[0]!.body)).toEqual({
      id: 'r1-vim',
      doc: { name: 'vim', section: 'editors', description: expect.stringContaining('editor') },
    });
    expect(workload.documentsSent).toBe(4);
  });

  it('cuts bulk batches at the document limit and reports written items as units', async () => {
    const target = recordingTarget();
    const workload = createWorkload({ ...base, target, mix: { bulk: 1 }, documentLimit: 3 });
    const outcomes = [await workload.next()(), await workload.next()(), await workload.next()()];
    expect(outcomes.map((o) => o.units)).toEqual([2, 1, 0]);
    expect(outcomes[0]).toMatchObject({ kind: 'bulk', status: 200, itemErrors: 0 });
  });

  it('reports failed answers with the server error code', async () => {
    const target: HttpTarget = {
      url: 'http://fake',
      send: async () => ({ status: 503, body: '{"error":"OVERLOADED","details":{}}' }),
      close: () => undefined,
    };
    const outcome = await createWorkload({ ...base, target, mix: { search: 1 } }).next()();
    expect(outcome).toEqual({ kind: 'search', status: 503, units: 0, errorCode: 'OVERLOADED' });
  });

  it('sends the one query it is given every time', async () => {
    const bodies: string[] = [];
    const target: HttpTarget = {
      url: 'http://fake',
      send: async (_method, _path, body) => {
        bodies.push(String(body));
        return { status: 200, body: '{"hits":[]}' };
      },
      close: () => undefined,
    };
    const workload = createWorkload({ ...base, target, mix: { search: 1 }, fixedQuery: 'zzzq' });
    for (let i = 0; i < 5; i++) await workload.next()();
    expect(bodies.map((body) => (JSON.parse(body) as { query: string }).query)).toEqual(
      Array(5).fill('zzzq'),
    );
  });
});

describe('queryGenerator', () => {
  it('builds each kind from corpus words, skips stop words, and repeats with the same seed', () => {
    const make = (kind: 'term' | 'phrase' | 'prefix' | 'filtered', seed = 9) => {
      const next = queryGenerator(corpus, { [kind]: 1 }, seededRandom(seed));
      return Array.from({ length: 50 }, () => next());
    };
    const tokenLists = corpus.map((d) => d.description.toLowerCase().split(/[^a-z0-9]+/));
    const vocabulary = new Set(tokenLists.flat());
    const adjacent = new Set(
      tokenLists.flatMap((tokens) => tokens.slice(1).map((t, i) => `${tokens[i]} ${t}`)),
    );
    for (const { kind, query } of make('term')) {
      expect(kind).toBe('term');
      expect(vocabulary.has(query)).toBe(true);
      expect(['this', 'that', 'with', 'for']).not.toContain(query);
    }
    for (const { query } of make('phrase')) {
      // Two words next to each other in some description, as FTS5 tokenizes it ("improved a").
      expect(query).toMatch(/^"[a-z0-9]+ [a-z0-9]+"$/);
      expect(adjacent.has(query.slice(1, -1))).toBe(true);
    }
    for (const { query } of make('prefix')) expect(query).toMatch(/^[a-z]{4}\*$/);
    for (const { query } of make('filtered'))
      expect(query).toMatch(/^[a-z]{4,} AND section:"(editors|graphics|games)"$/);
    expect(make('term', 1)).toEqual(make('term', 1));
    expect(make('term', 1)).not.toEqual(make('term', 2));
  });
});
