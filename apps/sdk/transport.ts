/**
 * The HTTP layer of the SDK: builds a request, runs it with a deadline, maps every failure
 * to a typed error, and retries refused calls (503/429) with backoff when the call is safe
 * to repeat. Knows nothing about CameoDB's endpoints; client.ts does.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { CancelledError } from '../../messages/index.js';
import { Deadline } from './deadline.js';
import { CameoConnectionError, CameoHttpError, CameoProtocolError } from './errors.js';
import { RETRYABLE_STATUSES, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from './retry.js';
import type { ErrorBody } from './types.js';

/** The fetch function the SDK calls (Node's global fetch by default; injectable for tests). */
export type FetchFunction = typeof fetch;

/** Per-call options every SDK method takes. */
export interface CallOptions {
  /** Cancels the call; the SDK then throws CancelledError. */
  readonly signal?: AbortSignal;
  /** Overrides the client's timeout for this call (0 disables). */
  readonly timeoutMs?: number;
  /** Forces retries on (true) or off (false) for this call, overriding the endpoint's rule. */
  readonly retry?: boolean;
  /** Sent as `x-request-id` (the same on every retry); generated when absent. */
  readonly requestId?: string;
}

/** Told before each retry, for logs and metrics. */
export interface RetryEvent {
  readonly method: string;
  readonly path: string;
  /** The attempt that is about to start (2 for the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly status: number;
  readonly requestId: string;
}

/** What the transport needs from the client's options. */
export interface TransportOptions {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly fetch: FetchFunction;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
}

/** One HTTP call as client.ts describes it. */
export interface RequestSpec {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** A JSON body (serialised once, so a retry resends the same bytes). */
  readonly json?: unknown;
  /** A streamed body; never retried, since a stream cannot be replayed. */
  readonly stream?: (deadline: Deadline) => ReadableStream<Uint8Array>;
  readonly contentType?: string;
  /** Whether repeating the call after a 503 cannot change the outcome. */
  readonly idempotent: boolean;
}

/** A successful response still being read, with the deadline that guards the reading. */
export interface OpenResponse {
  readonly response: Response;
  readonly deadline: Deadline;
}

/** Runs HTTP calls for a CameoClient. */
export class HttpTransport {
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  /** The server's base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** Runs a call and parses its JSON response. */
  async json<T>(spec: RequestSpec, options: CallOptions = {}): Promise<T> {
    const { response, deadline } = await this.open(spec, options);
    try {
      const text = await readText(response, deadline);
      return parseJson<T>(text, spec);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Runs a call up to its response headers. The caller reads the body and must dispose the
   * deadline; for streamed responses it touches the deadline on every chunk.
   */
  async open(spec: RequestSpec, options: CallOptions = {}): Promise<OpenResponse> {
    const requestId = options.requestId ?? randomUUID();
    const retryAllowed = options.retry ?? (spec.idempotent && spec.stream === undefined);
    const maxAttempts = retryAllowed ? this.#options.retry.retries + 1 : 1;
    const url = this.#url(spec);
    const body = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    for (let attempt = 1; ; attempt += 1) {
      const deadline = new Deadline(
        options.timeoutMs ?? this.#options.timeoutMs,
        spec.method,
        spec.path,
        options.signal,
      );
      let response: Response;
      try {
        response = await this.#options.fetch(url, {
          method: spec.method,
          headers: this.#headers(spec, requestId),
          body: spec.stream ? spec.stream(deadline) : body,
          signal: deadline.signal,
          ...(spec.stream ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        deadline.dispose();
        throw deadline.reason ?? new CameoConnectionError(this.#options.baseUrl, error);
      }
      if (response.ok) return { response, deadline };

      let errorBody: ErrorBody | string | undefined;
      try {
        errorBody = parseErrorBody(await readText(response, deadline));
      } finally {
        deadline.dispose();
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (RETRYABLE_STATUSES.has(response.status) && attempt < maxAttempts) {
        const delayMs = retryDelayMs(this.#options.retry, attempt, retryAfterMs);
        this.#options.onRetry?.({
          method: spec.method,
          path: spec.path,
          attempt: attempt + 1,
          delayMs,
          status: response.status,
          requestId,
        });
        try {
          await sleep(delayMs, options.signal);
        } catch (error) {
          throw new CancelledError(`${spec.method} ${spec.path} cancelled by the caller`, { cause: error });
        }
        continue;
      }
      throw new CameoHttpError({
        status: response.status,
        method: spec.method,
        path: spec.path,
        body: errorBody,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        attempts: attempt,
      });
    }
  }

  #url(spec: RequestSpec): string {
    const url = new URL(this.#options.baseUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.href;
  }

  #headers(spec: RequestSpec, requestId: string): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': requestId };
    if (spec.json !== undefined) headers['content-type'] = 'application/json';
    if (spec.stream !== undefined) headers['content-type'] = spec.contentType ?? 'application/x-ndjson';
    if (this.#options.apiKey !== undefined) headers.authorization = `Bearer ${this.#options.apiKey}`;
    return headers;
  }
}

/** Reads a whole (small) response body as text, mapping an abort to its typed reason. */
async function readText(response: Response, deadline: Deadline): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw deadline.reason ?? new CameoProtocolError(`reading the response failed: ${String(error)}`);
  }
}

function parseJson<T>(text: string, spec: RequestSpec): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CameoProtocolError(`${spec.method} ${spec.path}: the response is not JSON`, {
      body: text.slice(0, 500),
    });
  }
}

/** The `{error, details}` body of a failed call, or its raw text when it is not that shape. */
function parseErrorBody(text: string): ErrorBody | string | undefined {
  if (text === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ErrorBody;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text, it is the best description there is.
  }
  return text.slice(0, 2000);
}
