/**
 * An in-memory stand-in for a CameoDB node speaking the HTTP API of issue #4, for CLI tests
 * that must run before (and independently of) the real server. It checks documents
 * against the schema's numeric and boolean types so per-document errors can be tested.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startTestServer, type TestServer } from './http-server.js';

type Doc = Record<string, unknown>;
interface FieldDef {
  name: string;
  type: string;
}
interface FakeIndex {
  schema: { fields: FieldDef[]; [key: string]: unknown } | undefined;
  docs: Map<string, { doc: Doc; version: number }>;
}

/** A running fake node and its state. */
export interface FakeCameo extends TestServer {
  readonly indexes: Map<string, FakeIndex>;
}

function typeError(fields: readonly FieldDef[], doc: Doc): string | undefined {
  for (const field of fields) {
    const value = doc[field.name];
    if (value === undefined || value === null) continue;
    const ok =
      field.type === 'i64'
        ? Number.isInteger(value)
        : field.type === 'f64'
          ? typeof value === 'number'
          : field.type === 'boolean'
            ? typeof value === 'boolean'
            : true;
    if (!ok) return `field "${field.name}" expects ${field.type}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

function matches(doc: Doc, query: string): number {
  let score = 0;
  for (const term of query.toLowerCase().split(/\s+/).filter(Boolean)) {
    const colon = term.indexOf(':');
    if (colon > 0) {
      if (String(doc[term.slice(0, colon)]).toLowerCase() !== term.slice(colon + 1)) return 0;
      score += 1;
      continue;
    }
    const hits = Object.values(doc).filter(
      (value) =>
        (typeof value === 'string' || typeof value === 'number') &&
        String(value).toLowerCase().includes(term),
    );
    if (hits.length === 0) return 0;
    score += hits.length;
  }
  return score;
}

/** Starts the fake node on 127.0.0.1 and a random port. */
export async function startFakeCameo(): Promise<FakeCameo> {
  const indexes = new Map<string, FakeIndex>();
  const ensure = (name: string): FakeIndex => {
    let index = indexes.get(name);
    if (index === undefined) {
      index = { schema: undefined, docs: new Map() };
      indexes.set(name, index);
    }
    return index;
  };
  const write = (index: FakeIndex, id: unknown, doc: unknown): string | undefined => {
    if (typeof id !== 'string' || id === '') return 'id must be a non-empty string';
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'doc must be an object';
    const problem = typeError(index.schema?.fields ?? [], doc as Doc);
    if (problem !== undefined) return problem;
    const version = (index.docs.get(id)?.version ?? 0) + 1;
    index.docs.set(id, { doc: doc as Doc, version });
    return undefined;
  };
  const search = (index: FakeIndex, body: Record<string, unknown>): Doc[] => {
    const query = String(body.query ?? '');
    const fields = body.fields as string[] | undefined;
    const sort = body.sort as { field: string; order: string } | undefined;
    let hits = [...index.docs.entries()]
      .map(([id, { doc }]) => ({ id, doc, score: matches(doc, query) }))
      .filter((hit) => hit.score > 0);
    if (sort !== undefined) {
      const sign = sort.order === 'desc' ? -1 : 1;
      hits.sort((a, b) => sign * (Number(a.doc[sort.field]) - Number(b.doc[sort.field])));
    } else {
      hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    }
    const offset = Number(body.offset ?? 0);
    const limit = Number(body.limit ?? 10);
    hits = hits.slice(offset, offset + limit);
    return hits.map((hit) => {
      const shown = fields === undefined ? hit.doc : Object.fromEntries(fields.map((f) => [f, hit.doc[f]]));
      return { _id: hit.id, _score: hit.score, ...shown };
    });
  };

  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    // Error bodies as the real gateway sends them: a stable code, the words in details.message.
    const notFound = (what: string): void =>
      sendJson(response, 404, {
        error: what.startsWith('index')
          ? 'INDEX_NOT_FOUND'
          : what === 'document'
            ? 'DOCUMENT_NOT_FOUND'
            : 'ROUTE_NOT_FOUND',
        details: { message: `${what} not found` },
      });
    if (method === 'GET' && url.pathname === '/_cluster/health') {
      return sendJson(response, 200, { status: 'green', node_id: 'fake-node', node_name: 'fake', shards: 4 });
    }
    if (method === 'GET' && url.pathname === '/_indexes') {
      return sendJson(response, 200, {
        indexes: [...indexes.entries()].map(([name, index]) => ({
          name,
          document_count: index.docs.size,
          index_size_bytes: JSON.stringify([...index.docs.values()]).length,
          shard_count: 4,
          fields: (index.schema?.fields ?? []).map((field) => field.name),
        })),
        total_indexes: indexes.size,
        node_id: 'fake-node',
        took_ms: 0,
      });
    }
    const match = /^\/api\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (match === null) return notFound('route');
    const name = decodeURIComponent(match[1] ?? '');
    const rest = match[2] ?? '';
    const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(request);
    const json = (): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
    const existing = indexes.get(name);
    switch (`${method} ${rest}`) {
      case 'PUT /_config': {
        const schema = json() as FakeIndex['schema'];
        if (!Array.isArray(schema?.fields))
          return sendJson(response, 400, {
            error: 'VALIDATION_ERROR',
            details: { message: 'fields must be an array' },
          });
        ensure(name).schema = schema;
        return sendJson(response, 200, { acknowledged: true, index: name });
      }
      case 'GET /_config':
        return existing?.schema
          ? sendJson(response, 200, { name, ...existing.schema })
          : notFound(`index ${name}`);
      case 'DELETE ':
        if (!indexes.delete(name)) return notFound(`index ${name}`);
        return sendJson(response, 200, { acknowledged: true, index: name });
      case 'PUT /document': {
        const body = json();
        const index = ensure(name);
        const problem = write(index, body.id, body.doc);
        if (problem !== undefined)
          return sendJson(response, 400, {
            error: 'FIELD_TYPE_ERROR',
            details: { message: problem, id: body.id },
          });
        const id = String(body.id);
        return sendJson(response, 200, {
          id,
          result: 'created',
          version: index.docs.get(id)?.version,
          shard_id: 0,
        });
      }
      case 'GET /document': {
        const stored = existing?.docs.get(url.searchParams.get('id') ?? '');
        return stored ? sendJson(response, 200, stored.doc) : notFound('document');
      }
      case 'DELETE /document': {
        const id = url.searchParams.get('id') ?? '';
        const stored = existing?.docs.get(id);
        if (existing === undefined || stored === undefined) return notFound('document');
        existing.docs.delete(id);
        return sendJson(response, 200, { id, result: 'deleted', version: stored.version + 1, shard_id: 0 });
      }
      case 'POST /_bulk': {
        const items = JSON.parse(text) as Array<{ id: unknown; doc: unknown }>;
        const index = ensure(name);
        const errors: Array<{ position: number; id: string; error: string; message: string }> = [];
        items.forEach((item, position) => {
          const problem = write(index, item.id, item.doc);
          if (problem !== undefined) {
            errors.push({
              position,
              id: String(item.id),
              error: 'FIELD_TYPE_ERROR',
              message: problem,
            });
          }
        });
        return sendJson(response, 200, {
          items_received: items.length,
          items_written: items.length - errors.length,
          errors,
          duration_ms: 1,
        });
      }
      case 'POST /search': {
        if (existing === undefined) return notFound(`index ${name}`);
        const body = json();
        const hits = search(existing, { ...body, limit: 1e9, offset: 0 });
        const page = search(existing, body);
        return sendJson(response, 200, {
          hits: page,
          hits_returned: page.length,
          total_hits: hits.length,
          limit: body.limit ?? 10,
          offset: body.offset ?? 0,
          total_shards: 4,
          failed_shards: 0,
          took_ms: 1,
        });
      }
      case 'POST /search/stream': {
        if (existing === undefined) return notFound(`index ${name}`);
        const hits = search(existing, json());
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        for (const hit of hits) response.write(`${JSON.stringify(hit)}\n`);
        response.end(`${JSON.stringify({ _footer: { total_hits: hits.length, took_ms: 1 } })}\n`);
        return;
      }
      default:
        return notFound(`route ${method} ${rest}`);
    }
  };
  const server = await startTestServer(handler);
  return { ...server, indexes };
}
