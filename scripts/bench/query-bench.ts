/**
 * Query planner benchmark: latency of parseQuery + planSearch + running the page and count
 * SQL on one in-memory shard holding the Debian package index (`apt-cache dumpavail`:
 * name, section, tags, short description, size). Measures the SQL the planner writes, not
 * the shard store around it (no LMDB fetch, no worker hop).
 *
 * Run: npm run bench:query   (optional: QUERY_BENCH_RUNS=300, QUERY_BENCH_ONLY=<part of a query kind>,
 * QUERY_BENCH_FTS_PREFIX="2 3" to try FTS5 prefix indexes)
 * @module
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { IndexLayout } from '../../storage/layout.js';
import { loadRankingExtension } from '../../storage/native-extension.js';
import { normaliseValue } from '../../storage/values.js';
import { bindRanking, parseQuery, planSearch, type SearchPlanOptions } from '../../storage/query/index.js';

interface PackageDocument {
  id: string;
  name: string;
  section: string;
  tags: string;
  description: string;
  size: number;
}

const layout: IndexLayout = {
  ftsTable: 'bench_fts',
  docsTable: 'bench_docs',
  valuesTable: 'bench_values',
  textFields: [
    { field: 'name', column: 'c0', weight: 3 },
    { field: 'description', column: 'c1', weight: 1 },
    { field: 'tags', column: 'c2', weight: 0.5 },
  ],
  valueFields: [
    { field: 'section', type: 'string', fieldNumber: 0, sortColumn: 's0' },
    { field: 'size', type: 'u64', fieldNumber: 1, sortColumn: 's1' },
  ],
  defaultFields: ['name', 'description'],
};

function loadCorpus(): PackageDocument[] {
  const text = execFileSync('apt-cache', ['dumpavail'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const documents = new Map<string, PackageDocument>();
  for (const stanza of text.split(/\n\n+/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      else {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set((last = line.slice(0, colon)), line.slice(colon + 1).trim());
      }
    }
    const name = fields.get('Package');
    if (!name || documents.has(name)) continue;
    documents.set(name, {
      id: name,
      name: name.replace(/[-.+]/g, ' '),
      section: fields.get('Section') ?? 'unknown',
      tags: fields.get('Tag') ?? '',
      description: fields.get('Description') ?? '',
      size: Number(fields.get('Installed-Size') ?? 0),
    });
  }
  return [...documents.values()];
}

/** Optional FTS5 prefix indexes to try (e.g. QUERY_BENCH_FTS_PREFIX="2 3"). */
const prefixIndexes = process.env['QUERY_BENCH_FTS_PREFIX'];
const prefixOption = prefixIndexes && /^[\d ]+$/.test(prefixIndexes) ? `, prefix='${prefixIndexes}'` : '';

function buildShard(documents: readonly PackageDocument[]): Database.Database {
  const db = new Database(':memory:');
  loadRankingExtension(db);
  db.exec(
    `CREATE VIRTUAL TABLE bench_fts USING fts5(c0, c1, c2, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'${prefixOption});
     CREATE TABLE bench_docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, s0 ANY, s1 ANY) STRICT;
     CREATE INDEX bench_docs_s0 ON bench_docs (s0); CREATE INDEX bench_docs_s1 ON bench_docs (s1);
     CREATE TABLE bench_values (field INTEGER NOT NULL, value ANY, doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) STRICT, WITHOUT ROWID;
     CREATE INDEX bench_values_doc ON bench_values (doc);`,
  );
  const fts = db.prepare('INSERT INTO bench_fts (rowid, c0, c1, c2) VALUES (?, ?, ?, ?)');
  const docs = db.prepare('INSERT INTO bench_docs (rowid, id, s0, s1) VALUES (?, ?, ?, ?)');
  const values = db.prepare('INSERT INTO bench_values (field, value, doc) VALUES (?, ?, ?)');
  db.transaction(() => {
    documents.forEach((document, index) => {
      const doc = index + 1;
      const section = normaliseValue('section', 'string', document.section);
      const size = normaliseValue('size', 'u64', document.size);
      fts.run(doc, document.name, document.description, document.tags);
      docs.run(doc, document.id, section, size);
      // storage/layout.ts: a fast field's first value lives in its sort column only; the
      // values table holds the others (these fields have one). QUERY_BENCH_OLD_VALUES=1
      // builds the layout from before that rule (every value here too).
      if (process.env['QUERY_BENCH_OLD_VALUES'] === '1') {
        values.run(0, section, doc);
        values.run(1, size, doc);
      }
    });
  })();
  return db;
}

/** A deterministic generator so runs are comparable. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

type QueryKind = (
  document: PackageDocument,
  words: string[],
  pick: () => number,
) => [string, SearchPlanOptions?];

const queryKinds: Record<string, QueryKind> = {
  'term (1)': (_d, w) => [w[0] ?? 'x'],
  'terms (2, AND)': (_d, w) => [`${w[0]} ${w[1]}`],
  'terms (3, AND)': (_d, w) => [`${w[0]} ${w[1]} ${w[2]}`],
  'terms (2, OR)': (_d, w) => [`${w[0]} OR ${w[1]}`],
  phrase: (_d, w) => [`"${w[0]} ${w[1]}"`],
  'phrase slop 3': (_d, w) => [`"${w[0]} ${w[2]}"~3`],
  'prefix (3 chars)': (_d, w) => [`${(w[0] ?? 'xxx').slice(0, 3)}*`],
  'term + section filter': (d, w) => [`${w[0]} section:"${d.section}"`],
  'term + size range': (_d, w) => [`${w[0]} size:>1000`],
  'term, boost on one clause': (_d, w) => [`${w[0]}^3 ${w[1]}`],
  'text OR filter': (d, w) => [`name:${w[0]} OR section:"${d.section}"`],
  'term sorted by size': (_d, w) => [
    w[0] ?? 'x',
    { limit: 10, offset: 0, sort: { field: 'size', order: 'desc' } },
  ],
  'filter only (section)': (d) => [`section:"${d.section}"`],
  'everything sorted by size': () => ['*', { limit: 10, offset: 0, sort: { field: 'size', order: 'desc' } }],
  'id lookup': (d) => [`id:"${d.id}"`],
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function main(): void {
  const runs = Number(process.env['QUERY_BENCH_RUNS'] ?? 300);
  let started = performance.now();
  const documents = loadCorpus().filter((document) => document.description !== '');
  const db = buildShard(documents);
  console.log(
    `corpus: ${documents.length} packages, loaded and indexed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const pick = random(42);
  const sample = (): [PackageDocument, string[]] => {
    for (;;) {
      const document = documents[Math.floor(pick() * documents.length)];
      const words = (document?.description ?? '').toLowerCase().match(/[a-z]{4,}/g) ?? [];
      if (document && words.length >= 3) {
        const start = Math.floor(pick() * (words.length - 2));
        return [document, words.slice(start, start + 3)];
      }
    }
  };
  console.log('| query | p50 ms | p99 ms | max ms | mean hits |');
  console.log('|---|---|---|---|---|');
  const only = process.env['QUERY_BENCH_ONLY'];
  for (const [kind, make] of Object.entries(queryKinds)) {
    if (only && !kind.includes(only)) continue;
    const times: number[] = [];
    let hits = 0;
    for (let run = 0; run < runs + 30; run += 1) {
      const [document, words] = sample();
      const [query, options] = make(document, words, pick);
      started = performance.now();
      const plan = planSearch(parseQuery(query), layout, options ?? { limit: 10, offset: 0 });
      // Shard-local statistics (NULL): this measures the SQL, not the statistics round.
      db.prepare(plan.sql).all(...bindRanking(plan.params, undefined));
      const { total } = db.prepare(plan.countSql).get(...bindRanking(plan.countParams, undefined)) as {
        total: number;
      };
      const elapsed = performance.now() - started;
      if (run >= 30) {
        times.push(elapsed);
        hits += total;
      }
    }
    times.sort((a, b) => a - b);
    const cells = [percentile(times, 50), percentile(times, 99), times[times.length - 1] ?? NaN].map((ms) =>
      ms.toFixed(2),
    );
    console.log(`| ${kind} | ${cells.join(' | ')} | ${Math.round(hits / runs)} |`);
  }
  db.close();
}

main();
