/**
 * Search routes: `POST /api/{index}/search` (one JSON answer) and
 * `POST /api/{index}/search/stream` (NDJSON: one hit per line, then a `_footer` line).
 * @module
 */
import {
  ValidationError,
  type SearchHit,
  type SearchResult,
  type SearchSpec,
} from '../../../messages/index.js';
import type { Gateway, RouteRegistrar } from '../gateway.js';
import { readJsonBody } from '../request-body.js';
import { parseWith, searchBodySchema, type SearchBody } from '../request-schemas.js';
import { indexParam } from './documents.js';

/** Default number of hits when the request gives no limit. */
export const DEFAULT_SEARCH_LIMIT = 10;

/** Checks the result window and builds the search spec. */
function toSearchSpec(body: SearchBody, gateway: Gateway): SearchSpec {
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const offset = body.offset ?? 0;
  const cap = gateway.limits.maxResultWindow;
  if (limit + offset > cap) {
    throw new ValidationError(`limit + offset must be at most ${cap} (got ${limit + offset})`, {
      details: { limit, offset, max_result_window: cap },
    });
  }
  return {
    query: body.query,
    limit,
    offset,
    ...(body.fields === undefined ? {} : { fields: body.fields }),
    ...(body.sort === undefined ? {} : { sort: body.sort }),
    ...(body.highlight === undefined ? {} : { highlight: body.highlight }),
  };
}

/** One hit as HTTP shows it: `_id`, `_score`, then the returned fields (`_` names win). */
export function hitToJson(hit: SearchHit): Record<string, unknown> {
  return {
    ...hit.fields,
    _id: hit.id,
    _score: hit.score,
    ...(hit.sortValue === undefined ? {} : { _sort: hit.sortValue }),
    ...(hit.highlights === undefined ? {} : { _highlights: hit.highlights }),
  };
}

function summary(result: SearchResult, spec: SearchSpec, started: number): Record<string, unknown> {
  return {
    hits_returned: result.hits.length,
    total_hits: result.totalHits,
    limit: spec.limit,
    offset: spec.offset,
    total_shards: result.totalShards,
    failed_shards: result.failedShards,
    nodes_contacted: result.nodesContacted,
    took_ms: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

const registerSearchRoutes: RouteRegistrar = (app, gateway) => {
  app.post(
    '/api/:index/search',
    gateway.handler(async (c) => {
      const started = performance.now();
      const index = indexParam(c);
      const spec = toSearchSpec(
        parseWith(searchBodySchema, await readJsonBody(c, gateway.limits.maxBodyBytes)),
        gateway,
      );
      const result = await gateway.ask(c, { type: 'Search', index, search: spec });
      gateway.metrics.searches.inc({ kind: 'search' });
      return c.json({ hits: result.hits.map(hitToJson), ...summary(result, spec, started) });
    }),
  );

  app.post(
    '/api/:index/search/stream',
    gateway.handler(async (c) => {
      const started = performance.now();
      const index = indexParam(c);
      const spec = toSearchSpec(
        parseWith(searchBodySchema, await readJsonBody(c, gateway.limits.maxBodyBytes)),
        gateway,
      );
      const result = await gateway.ask(c, { type: 'Stream', index, search: spec });
      gateway.metrics.searches.inc({ kind: 'stream' });
      const encoder = new TextEncoder();
      const hits = result.hits;
      let next = 0;
      // Pull-based: each read serialises a slice of hits, so a slow reader holds back the
      // serialisation instead of filling memory with text.
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (next > hits.length) {
            controller.close();
            return;
          }
          if (next === hits.length) {
            controller.enqueue(
              encoder.encode(`${JSON.stringify({ _footer: summary(result, spec, started) })}\n`),
            );
            next += 1;
            return;
          }
          const end = Math.min(hits.length, next + 256);
          let text = '';
          for (; next < end; next += 1) text += `${JSON.stringify(hitToJson(hits[next] as SearchHit))}\n`;
          controller.enqueue(encoder.encode(text));
        },
      });
      return c.body(stream, 200, { 'Content-Type': 'application/x-ndjson; charset=utf-8' });
    }),
  );
};

export { registerSearchRoutes };
