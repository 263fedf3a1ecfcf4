/**
 * Errors the SDK throws. Every one is a CameoError with a stable `code`, so callers branch
 * on `error.code` (or `instanceof`) and never on message text:
 *
 * - `CameoHttpError`: the server answered with a non-2xx status; carries `status`, the
 *   server's error body (`serverError`, `details`, `body`) and `retryAfterMs` when sent.
 * - `CameoTimeoutError`: no answer (or, for streams, no progress) within `timeoutMs`.
 * - `CameoConnectionError`: the server could not be reached (refused, reset, DNS).
 * - `CameoProtocolError`: the server answered something that is not the documented shape.
 * - `CancelledError` (from messages/): the caller's own AbortSignal fired.
 * @module
 */
import { CameoError } from '../../messages/index.js';
import type { ErrorBody } from './types.js';

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'HTTP_BAD_REQUEST',
  401: 'HTTP_UNAUTHORIZED',
  403: 'HTTP_FORBIDDEN',
  404: 'HTTP_NOT_FOUND',
  405: 'HTTP_METHOD_NOT_ALLOWED',
  408: 'HTTP_REQUEST_TIMEOUT',
  409: 'HTTP_CONFLICT',
  413: 'HTTP_PAYLOAD_TOO_LARGE',
  415: 'HTTP_UNSUPPORTED_MEDIA_TYPE',
  422: 'HTTP_UNPROCESSABLE',
  429: 'HTTP_TOO_MANY_REQUESTS',
  500: 'HTTP_INTERNAL_ERROR',
  502: 'HTTP_BAD_GATEWAY',
  503: 'HTTP_UNAVAILABLE',
  504: 'HTTP_GATEWAY_TIMEOUT',
};

/** The stable code of an HTTP status: `HTTP_NOT_FOUND` for 404, `HTTP_4XX`/`HTTP_5XX` for others. */
export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? `HTTP_${Math.floor(status / 100)}XX`;
}

/** What a CameoHttpError is built from. */
export interface CameoHttpErrorInit {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The parsed error body, or the raw text when it was not JSON. */
  readonly body: ErrorBody | string | undefined;
  readonly retryAfterMs?: number;
  readonly attempts: number;
}

/**
 * The server answered with a non-2xx status. `code` is derived from the status only
 * (stable whatever the server's wording); `serverError` and `details` are the server's body.
 */
export class CameoHttpError extends CameoError {
  /** HTTP status code. */
  readonly status: number;
  /** Method and path of the failed call, for messages and logs. */
  readonly method: string;
  readonly path: string;
  /** The `error` field of the server's body (its stable code, e.g. `DOCUMENT_NOT_FOUND`), or the raw body text when it was not JSON. */
  readonly serverError: unknown;
  /** The whole error body as received. */
  readonly body: ErrorBody | string | undefined;
  /** The server's Retry-After, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** How many attempts were made (more than 1 when retries happened). */
  readonly attempts: number;

  constructor(init: CameoHttpErrorInit) {
    const serverError = typeof init.body === 'object' && init.body !== null ? init.body.error : init.body;
    const details = typeof init.body === 'object' && init.body !== null ? init.body.details : undefined;
    const detailMessage = (details as { message?: unknown } | undefined)?.message;
    const text =
      describeServerError(serverError) +
      (typeof detailMessage === 'string' ? ` (${detailMessage.slice(0, 500)})` : '');
    super(codeForStatus(init.status), `${init.method} ${init.path} failed with ${init.status}${text}`, {
      details,
    });
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.serverError = serverError;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts;
  }
}

function describeServerError(serverError: unknown): string {
  if (serverError === undefined || serverError === null || serverError === '') return '';
  if (typeof serverError === 'string') return `: ${serverError.slice(0, 500)}`;
  return `: ${JSON.stringify(serverError).slice(0, 500)}`;
}

/** No response (unary calls) or no progress (streams) within the configured timeout. */
export class CameoTimeoutError extends CameoError {
  static readonly code = 'CLIENT_TIMEOUT';
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(method: string, path: string, timeoutMs: number) {
    super(CameoTimeoutError.code, `${method} ${path} timed out after ${timeoutMs} ms`, {
      details: { method, path, timeoutMs },
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The server could not be reached: connection refused or reset, unknown host. */
export class CameoConnectionError extends CameoError {
  static readonly code = 'CONNECTION_FAILED';
  constructor(url: string, cause: unknown) {
    super(CameoConnectionError.code, `cannot reach CameoDB at ${url}: ${describeCause(cause)}`, {
      cause,
      details: { url },
    });
  }
}

/** The server's answer is not the documented shape (bad JSON, truncated stream). */
export class CameoProtocolError extends CameoError {
  static readonly code = 'BAD_RESPONSE';
  constructor(message: string, details?: unknown) {
    super(CameoProtocolError.code, message, { details });
  }
}

/** A search stream carried an error line instead of (more) hits. */
export class CameoStreamError extends CameoError {
  static readonly code = 'STREAM_ERROR';
  /** The error line as received. */
  readonly body: unknown;
  constructor(body: unknown) {
    const error = (body as { error?: unknown } | undefined)?.error;
    super(
      CameoStreamError.code,
      `search stream failed: ${describeServerError(error).slice(2) || 'error line'}`,
      {
        details: (body as { details?: unknown } | undefined)?.details,
      },
    );
    this.body = body;
  }
}

/** The lowest-level reason of a fetch failure (undici nests it in `cause`). */
function describeCause(cause: unknown): string {
  let current: unknown = cause;
  for (let depth = 0; depth < 4; depth += 1) {
    const next = (current as { cause?: unknown } | undefined)?.cause;
    if (next === undefined) break;
    current = next;
  }
  const code = (current as { code?: unknown } | undefined)?.code;
  const message = current instanceof Error ? current.message : String(current);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}
