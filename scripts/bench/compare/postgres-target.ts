/**
 * PostgreSQL full-text search as a BenchTarget, through the `pg` client. The table keeps
 * the document as JSONB, a generated tsvector of the weighted name (A) and description (B)
 * with the 'simple' configuration (unstemmed, like CameoDB's tokenizer) under a GIN index,
 * and a btree on section. Queries rank with ts_rank_cd and take the top `limit`; ties are
 * broken by id so a rerun returns the same list.
 * @module
 */
import pg from 'pg';
import type { CorpusDocument } from './corpus.js';
import { BenchRequestError, BenchSetupError } from './errors.js';
import type { BenchQuery } from './queries.js';
import type { BenchTarget } from './target.js';

/** Connection settings and pool size. */
export interface PostgresTargetOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** Pool size; at least the highest workload concurrency. */
  readonly maxConnections: number;
}

const SCHEMA = `
CREATE TABLE packages (
  id text PRIMARY KEY,
  doc jsonb NOT NULL,
  section text GENERATED ALWAYS AS (doc->>'section') STORED,
  tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(doc->>'name', '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(doc->>'description', '')), 'B')
  ) STORED
);
CREATE INDEX packages_tsv ON packages USING gin (tsv);
CREATE INDEX packages_section ON packages (section);
`;

const UPSERT_BATCH = `
INSERT INTO packages (id, doc)
SELECT element->>'id', element FROM jsonb_array_elements($1::jsonb) AS element
ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`;

const UPSERT_ONE = `INSERT INTO packages (id, doc) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`;

/** The SQL text and parameters counting every match of a query (same predicate as the search). */
export function countStatement(query: BenchQuery): { text: string; values: unknown[] } {
  const search = searchStatement(query, 0);
  const where = search.text.slice(search.text.indexOf(' FROM '), search.text.indexOf(' ORDER BY '));
  return { text: `SELECT count(*)::int AS matches${where}`, values: search.values.slice(0, -1) };
}

/** The SQL text and parameters of a search, one statement per query kind. */
export function searchStatement(query: BenchQuery, limit: number): { text: string; values: unknown[] } {
  const ranked = (tsquery: string, extraFilter = ''): string =>
    `SELECT id FROM packages, ${tsquery} AS q WHERE tsv @@ q${extraFilter} ORDER BY ts_rank_cd(tsv, q) DESC, id LIMIT $LIMIT`;
  switch (query.kind) {
    case 'term':
      return {
        text: ranked(`plainto_tsquery('simple', $1)`).replace('$LIMIT', '$2'),
        values: [query.terms.join(' '), limit],
      };
    case 'phrase':
      return {
        text: ranked(`phraseto_tsquery('simple', $1)`).replace('$LIMIT', '$2'),
        values: [query.words.join(' '), limit],
      };
    case 'prefix':
      return {
        text: ranked(`to_tsquery('simple', $1)`).replace('$LIMIT', '$2'),
        values: [`${query.prefix}:*`, limit],
      };
    case 'filtered':
      return {
        text: ranked(`plainto_tsquery('simple', $1)`, ' AND section = $2').replace('$LIMIT', '$3'),
        values: [query.terms.join(' '), query.section, limit],
      };
  }
}

async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(text, values);
  } catch (cause) {
    throw new BenchRequestError(`postgres: ${(cause as Error).message}`, {
      cause,
      details: { sql: text.trim() },
    });
  }
}

/**
 * Connects, checks the durability settings are the defaults (fsync and synchronous_commit
 * on), creates the table and returns the target.
 */
export async function createPostgresTarget(
  options: PostgresTargetOptions,
): Promise<BenchTarget & { serverVersion: string }> {
  const pool = new pg.Pool({
    host: options.host,
    port: options.port,
    user: options.user,
    database: options.database,
    max: options.maxConnections,
  });
  // An idle client that loses its server emits 'error' on the pool; surface it, don't crash.
  pool.on('error', (error) => process.emitWarning(`postgres pool: ${error.message}`));
  try {
    const settings = await query<{ name: string; setting: string }>(
      pool,
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')`,
      [],
    );
    for (const row of settings.rows) {
      if (row.setting !== 'on') {
        throw new BenchSetupError(
          `postgres ${row.name} is ${row.setting}; the comparison needs default durability`,
        );
      }
    }
    const version = await query<{ server_version: string }>(pool, 'SHOW server_version', []);
    await query(pool, SCHEMA, []);
    return {
      system: 'PostgreSQL',
      serverVersion: version.rows[0]?.server_version ?? 'unknown',
      async bulkInsert(documents) {
        await query(pool, UPSERT_BATCH, [JSON.stringify(documents)]);
      },
      async afterBulkLoad() {
        await query(pool, 'ANALYZE packages', []);
      },
      async putDocument(document) {
        await query(pool, UPSERT_ONE, [document.id, JSON.stringify(document)]);
      },
      async getDocument(id) {
        const result = await query<{ doc: CorpusDocument }>(pool, 'SELECT doc FROM packages WHERE id = $1', [
          id,
        ]);
        return result.rows[0]?.doc;
      },
      async search(benchQuery, limit) {
        const statement = searchStatement(benchQuery, limit);
        const result = await query<{ id: string }>(pool, statement.text, statement.values);
        return result.rows.map((row) => row.id);
      },
      async countMatches(benchQuery) {
        const statement = countStatement(benchQuery);
        const result = await query<{ matches: number }>(pool, statement.text, statement.values);
        return result.rows[0]?.matches ?? 0;
      },
      close: () => pool.end(),
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
