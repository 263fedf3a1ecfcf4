/**
 * CameoDB as a BenchTarget, through the HTTP API of issue 4. The index schema mirrors the
 * Postgres table: name and description are text fields searched by bare terms, with the
 * same 2.5:1 weight ratio as Postgres's A (1.0) and B (0.4) weights; section is an indexed
 * fast string for the filter. Searches ask for ids and scores only (`fields: []`), like the
 * Postgres queries that select only the id.
 * @module
 */
import type { CorpusDocument } from './corpus.js';
import { BenchRequestError } from './errors.js';
import { JsonHttpClient } from './http-json.js';
import type { BenchQuery } from './queries.js';
import type { BenchTarget } from './target.js';

/** The index every workload uses. */
export const CAMEO_INDEX = 'packages';

/** The body of PUT /api/{index}/_config: only `fields`, so the server's defaults apply otherwise. */
export function cameoIndexConfig(): { fields: Array<Record<string, unknown>> } {
  return {
    fields: [
      { name: 'name', type: 'text', indexed: true, stored: true, fast: false, weight: 2.5 },
      { name: 'description', type: 'text', indexed: true, stored: true, fast: false, weight: 1 },
      { name: 'section', type: 'string', indexed: true, stored: true, fast: true },
      { name: 'version', type: 'string', indexed: false, stored: true, fast: false },
      { name: 'maintainer', type: 'string', indexed: false, stored: true, fast: false },
      { name: 'architecture', type: 'string', indexed: false, stored: true, fast: false },
    ],
  };
}

/** The CameoDB query string of a benchmark query (see the query language of the storage issue). */
export function cameoQueryString(query: BenchQuery): string {
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

/** The document body stored for a corpus document (the id travels beside it). */
function documentBody(document: CorpusDocument): Record<string, string> {
  return {
    name: document.name,
    section: document.section,
    version: document.version,
    description: document.description,
    maintainer: document.maintainer,
    architecture: document.architecture,
  };
}

function hitIds(body: unknown): string[] {
  const hits = (body as { hits?: unknown }).hits;
  if (!Array.isArray(hits)) throw new BenchRequestError('search reply has no hits array', { details: body });
  return hits.map((hit: unknown) => {
    const id = (hit as { _id?: unknown })._id;
    if (typeof id !== 'string') throw new BenchRequestError('search hit has no string _id', { details: hit });
    return id;
  });
}

/** Connects to a running node, creates the index and returns the target. */
export async function createCameoTarget(
  host: string,
  port: number,
  maxSockets: number,
): Promise<BenchTarget> {
  const client = new JsonHttpClient(host, port, maxSockets);
  const base = `/api/${CAMEO_INDEX}`;
  await client.expectOk('PUT', `${base}/_config`, cameoIndexConfig());
  return {
    system: 'CameoDB',
    async bulkInsert(documents) {
      const reply = (await client.expectOk(
        'POST',
        `${base}/_bulk`,
        documents.map((document) => ({ id: document.id, doc: documentBody(document) })),
      )) as { items_written?: unknown; errors?: unknown };
      if (reply.items_written !== documents.length) {
        throw new BenchRequestError(
          `bulk wrote ${String(reply.items_written)} of ${documents.length} documents`,
          {
            details: { errors: Array.isArray(reply.errors) ? reply.errors.slice(0, 5) : reply.errors },
          },
        );
      }
    },
    afterBulkLoad: async () => undefined,
    async putDocument(document) {
      await client.expectOk('PUT', `${base}/document`, { id: document.id, doc: documentBody(document) });
    },
    async getDocument(id) {
      const reply = await client.send('GET', `${base}/document?id=${encodeURIComponent(id)}`);
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) {
        throw new BenchRequestError(`GET document: HTTP ${reply.status}`, { details: reply.body });
      }
      return reply.body as CorpusDocument;
    },
    async search(query, limit) {
      return hitIds(
        await client.expectOk('POST', `${base}/search`, {
          query: cameoQueryString(query),
          limit,
          fields: [],
        }),
      );
    },
    async countMatches(query) {
      const reply = (await client.expectOk('POST', `${base}/search`, {
        query: cameoQueryString(query),
        limit: 0,
        fields: [],
      })) as { total_hits?: unknown };
      if (typeof reply.total_hits !== 'number') {
        throw new BenchRequestError('search reply has no numeric total_hits', { details: reply });
      }
      return reply.total_hits;
    },
    close: async () => client.close(),
  };
}
