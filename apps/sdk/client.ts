/**
 * CameoClient: one method per endpoint of CameoDB's HTTP API.
 *
 * Retry rule (503 and 429 only, with backoff honouring Retry-After): a call is retried when
 * repeating it cannot change the outcome. Retried: health, listIndexes, getSchema, putSchema
 * (the same schema twice is the same schema), get, put (an upsert by id), delete (by id),
 * bulkWrite and bulkDelete (every item names its id), search and searchStream (before any
 * hit arrived). Not retried: dropIndex (a replay could drop an index re-created meanwhile)
 * and ingestStream (a stream cannot be replayed). Every call sends an `x-request-id`, the
 * same on each retry, so a server can recognise a replay; `CallOptions.retry` overrides
 * the rule per call.
 * @module
 */
import { CameoHttpError, CameoProtocolError } from './errors.js';
import { ndjsonRequestBody, type IngestProgress, type IngestSource } from './ndjson.js';
import type { RetryPolicy } from './retry.js';
import { SearchHitStream } from './search-stream.js';
import { HttpTransport, type CallOptions, type FetchFunction, type RetryEvent } from './transport.js';
import type {
  BulkDeleteItem,
  BulkDeleteResponse,
  BulkWriteResponse,
  DeleteResponse,
  DocumentWrite,
  FieldConfig,
  HealthResponse,
  IndexConfig,
  IngestStreamResponse,
  JsonObject,
  ListIndexesResponse,
  SearchRequest,
  SearchResponse,
  WriteResponse,
} from './types.js';

/** The default address of a CameoDB node. */
export const DEFAULT_URL = 'http://127.0.0.1:9480';

/** Options of a CameoClient. */
export interface CameoClientOptions {
  /** Base URL of any node, e.g. `http://127.0.0.1:9480` (default). */
  readonly url?: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string;
  /** Per attempt: the whole call for JSON calls, the longest silence for streams. Default 30 s; 0 disables. */
  readonly timeoutMs?: number;
  /** Retries of a refused (503/429) retryable call. Default 3. */
  readonly retries?: number;
  /** Base of the exponential backoff. Default 100 ms. */
  readonly retryBaseDelayMs?: number;
  /** Longest single wait between retries. Default 10 s. */
  readonly retryMaxDelayMs?: number;
  /** The fetch to use; Node's global fetch by default. */
  readonly fetch?: FetchFunction;
  /** Called before each retry. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/** Options of `put`. */
export interface PutOptions extends CallOptions {
  readonly routingKey?: string;
}

/** Options of `get` and `delete`. */
export interface KeyOptions extends CallOptions {
  readonly routingKey?: string;
}

/** Options of `ingestStream`. */
export interface IngestOptions extends CallOptions {
  /** Told each time a chunk of the body is handed to the socket. */
  readonly onProgress?: (progress: IngestProgress) => void;
}

/** A partial schema for `patchSchema`: fields are merged by name, other keys replace. */
export interface IndexConfigPatch {
  readonly fields?: readonly FieldConfig[];
  readonly default_search_fields?: readonly string[];
  readonly routing_field?: string;
  readonly dynamic?: boolean;
  readonly [extra: string]: unknown;
}

function indexPath(index: string): string {
  if (typeof index !== 'string' || index === '')
    throw new CameoProtocolError('index name must be a non-empty string');
  return `/api/${encodeURIComponent(index)}`;
}

/** A typed client of one CameoDB node (any node of a cluster serves every request). */
export class CameoClient {
  readonly #transport: HttpTransport;

  constructor(options: CameoClientOptions = {}) {
    const retry: RetryPolicy = {
      retries: options.retries ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      maxDelayMs: options.retryMaxDelayMs ?? 10_000,
    };
    this.#transport = new HttpTransport({
      baseUrl: (options.url ?? DEFAULT_URL).replace(/\/+$/, ''),
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      onRetry: options.onRetry,
    });
  }

  /** The base URL this client talks to. */
  get url(): string {
    return this.#transport.baseUrl;
  }

  /** `GET /_cluster/health`. */
  health(options?: CallOptions): Promise<HealthResponse> {
    return this.#transport.json({ method: 'GET', path: '/_cluster/health', idempotent: true }, options);
  }

  /** `GET /_indexes`. */
  listIndexes(options?: CallOptions): Promise<ListIndexesResponse> {
    return this.#transport.json({ method: 'GET', path: '/_indexes', idempotent: true }, options);
  }

  /** `GET /api/{index}/_config`. */
  getSchema(index: string, options?: CallOptions): Promise<IndexConfig> {
    return this.#transport.json(
      { method: 'GET', path: `${indexPath(index)}/_config`, idempotent: true },
      options,
    );
  }

  /** `PUT /api/{index}/_config`: creates the index or updates its schema (409 on a conflicting change). */
  putSchema(index: string, schema: IndexConfig, options?: CallOptions): Promise<unknown> {
    return this.#transport.json(
      { method: 'PUT', path: `${indexPath(index)}/_config`, json: schema, idempotent: true },
      options,
    );
  }

  /**
   * Reads the schema (an absent index counts as empty), merges `patch` into it (fields by
   * name: a patched field replaces the one of the same name, new ones are appended) and
   * writes it back (without the server-assigned `version`). Not atomic: a concurrent change
   * between the read and the write is overwritten.
   */
  async patchSchema(index: string, patch: IndexConfigPatch, options?: CallOptions): Promise<unknown> {
    let current: IndexConfig;
    try {
      current = await this.getSchema(index, options);
    } catch (error) {
      if (!(error instanceof CameoHttpError && error.status === 404)) throw error;
      current = { fields: [] };
    }
    return this.putSchema(index, mergeSchema(current, patch), options);
  }

  /** `DELETE /api/{index}`: drops the index and all its documents. Not retried. */
  dropIndex(index: string, options?: CallOptions): Promise<unknown> {
    return this.#transport.json({ method: 'DELETE', path: indexPath(index), idempotent: false }, options);
  }

  /** `PUT /api/{index}/document`: creates or replaces the document `id`. */
  put(index: string, id: string, doc: JsonObject, options: PutOptions = {}): Promise<WriteResponse> {
    const body: DocumentWrite =
      options.routingKey === undefined ? { id, doc } : { id, routing_key: options.routingKey, doc };
    return this.#transport.json(
      { method: 'PUT', path: `${indexPath(index)}/document`, json: body, idempotent: true },
      options,
    );
  }

  /** `GET /api/{index}/document?id=`: the stored document; a CameoHttpError with status 404 when absent. */
  get(index: string, id: string, options: KeyOptions = {}): Promise<JsonObject> {
    return this.#transport.json(
      {
        method: 'GET',
        path: `${indexPath(index)}/document`,
        query: { id, routing_key: options.routingKey },
        idempotent: true,
      },
      options,
    );
  }

  /** `DELETE /api/{index}/document?id=`. */
  delete(index: string, id: string, options: KeyOptions = {}): Promise<DeleteResponse> {
    return this.#transport.json(
      {
        method: 'DELETE',
        path: `${indexPath(index)}/document`,
        query: { id, routing_key: options.routingKey },
        idempotent: true,
      },
      options,
    );
  }

  /** `POST /api/{index}/_bulk`: per-item failures are in `errors` (by position), not thrown. */
  bulkWrite(
    index: string,
    items: readonly DocumentWrite[],
    options?: CallOptions,
  ): Promise<BulkWriteResponse> {
    return this.#transport.json(
      { method: 'POST', path: `${indexPath(index)}/_bulk`, json: items, idempotent: true },
      options,
    );
  }

  /** `POST /api/{index}/_bulk/delete`. */
  bulkDelete(
    index: string,
    items: readonly BulkDeleteItem[],
    options?: CallOptions,
  ): Promise<BulkDeleteResponse> {
    return this.#transport.json(
      { method: 'POST', path: `${indexPath(index)}/_bulk/delete`, json: items, idempotent: true },
      options,
    );
  }

  /**
   * `POST /api/{index}/document/stream`: streams NDJSON from `source` (documents, lines or
   * raw bytes) with back-pressure: the source is read only as fast as the server takes the
   * body. Never retried. `timeoutMs` is an idle timeout here.
   */
  async ingestStream(
    index: string,
    source: IngestSource,
    options: IngestOptions = {},
  ): Promise<IngestStreamResponse> {
    const sourceFailure: { error?: unknown } = {};
    try {
      return await this.#transport.json<IngestStreamResponse>(
        {
          method: 'POST',
          path: `${indexPath(index)}/document/stream`,
          stream: (deadline) => ndjsonRequestBody(source, deadline, sourceFailure, options.onProgress),
          idempotent: false,
        },
        options,
      );
    } catch (error) {
      // The upload broke because the source failed: that, not "connection failed", is the news.
      if (sourceFailure.error !== undefined) throw sourceFailure.error;
      throw error;
    }
  }

  /** `POST /api/{index}/search`. */
  search(index: string, request: SearchRequest, options?: CallOptions): Promise<SearchResponse> {
    return this.#transport.json(
      { method: 'POST', path: `${indexPath(index)}/search`, json: request, idempotent: true },
      options,
    );
  }

  /**
   * `POST /api/{index}/search/stream`: hits as an async iterator, parsed as they arrive;
   * the request starts when iteration does. `timeoutMs` is an idle timeout here.
   */
  searchStream(index: string, request: SearchRequest, options?: CallOptions): SearchHitStream {
    const path = `${indexPath(index)}/search/stream`;
    return new SearchHitStream(() =>
      this.#transport.open({ method: 'POST', path, json: request, idempotent: true }, options),
    );
  }
}

/** Merges a schema patch into a schema: fields by name, other keys replaced. */
export function mergeSchema(current: IndexConfig, patch: IndexConfigPatch): IndexConfig {
  const fields = new Map<string, FieldConfig>();
  for (const field of current.fields ?? []) fields.set(field.name, field);
  for (const field of patch.fields ?? []) fields.set(field.name, { ...fields.get(field.name), ...field });
  // `version` is the server's to assign; PUT refuses it as an unknown field.
  const { version: _version, ...rest } = current;
  return { ...rest, ...patch, fields: [...fields.values()] };
}
