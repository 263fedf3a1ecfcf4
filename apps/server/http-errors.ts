/**
 * The one place where errors become HTTP responses. Every error body is
 * `{"error": <stable code>, "details": {"message": ..., ...}}`; the status follows the
 * error's class. Gateway-only conditions (body too large, bad encoding, deadline) are
 * HttpError values carrying their status.
 * @module
 */
import type { Logger } from 'pino';
import {
  ActorStoppedError,
  AskTimeoutError,
  CameoError,
  CancelledError,
  DecodeError,
  DocumentNotFoundError,
  FieldTypeError,
  IndexNotFoundError,
  InvalidIdError,
  OverloadedError,
  MemberUpError,
  NotOwnerError,
  PeerGoneError,
  QuerySyntaxError,
  RemoteError,
  SchemaConflictError,
  ShuttingDownError,
  StorageFullError,
  UnknownActorError,
  ValidationError,
} from '../../messages/index.js';

/** An error raised by the gateway itself, with the HTTP status it maps to. */
export class HttpError extends CameoError {
  /** HTTP status code of the response. */
  readonly status: number;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message, options);
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** The request body exceeds the configured limit (413). */
export function payloadTooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`, {
    details: { limit_bytes: limitBytes },
  });
}

/** The request's Content-Encoding or Content-Type is not supported (415). */
export function unsupportedMediaType(message: string, details: unknown): HttpError {
  return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', message, { details });
}

/** The request did not finish before its deadline (503, retryable). */
export function requestTimeout(timeoutMs: number, retryAfterSeconds: number): HttpError {
  return new HttpError(503, 'REQUEST_TIMEOUT', `request did not complete within ${timeoutMs} ms`, {
    details: { timeout_ms: timeoutMs },
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** The gateway is at its in-flight cap or the node reported overload (503, retryable). */
export function overloaded(message: string, retryAfterSeconds: number, details?: unknown): HttpError {
  return new HttpError(503, OverloadedError.code, message, {
    details,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** No route matches (404). */
export function routeNotFound(method: string, path: string): HttpError {
  return new HttpError(404, 'ROUTE_NOT_FOUND', `no route for ${method} ${path}`, {
    details: { method, path },
  });
}

/** The path exists but not with this method (405). */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, {
    details: { method, path, allowed },
    headers: { Allow: allowed.join(', ') },
  });
}

/** A resolved HTTP error response. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { error: string; details: Record<string, unknown> };
  /** True for unexpected failures whose stack must be logged. */
  readonly unexpected: boolean;
}

function detailsOf(error: CameoError): Record<string, unknown> {
  const extra =
    error.details !== null && typeof error.details === 'object' && !Array.isArray(error.details)
      ? (error.details as Record<string, unknown>)
      : error.details === undefined
        ? {}
        : { value: error.details };
  return { message: error.message, ...extra };
}

/** Maps a CameoError class (local or rebuilt from the wire) to its HTTP status. */
function statusOf(error: CameoError): number | undefined {
  if (error instanceof HttpError) return error.status;
  if (
    error instanceof ValidationError ||
    error instanceof QuerySyntaxError ||
    error instanceof InvalidIdError ||
    error instanceof FieldTypeError ||
    error instanceof DecodeError
  ) {
    return 400;
  }
  if (error instanceof IndexNotFoundError || error instanceof DocumentNotFoundError) return 404;
  if (error instanceof SchemaConflictError || error instanceof MemberUpError) return 409;
  // Insufficient Storage: retrying helps only once an operator frees space.
  if (error instanceof StorageFullError) return 507;
  if (
    error instanceof OverloadedError ||
    error instanceof AskTimeoutError ||
    error instanceof PeerGoneError ||
    error instanceof NotOwnerError ||
    error instanceof ShuttingDownError ||
    error instanceof ActorStoppedError ||
    error instanceof UnknownActorError ||
    error instanceof CancelledError
  ) {
    return 503;
  }
  return undefined;
}

/**
 * Turns anything thrown while serving a request into the response to send. Unknown
 * errors become 500 with a generic message (the stack goes to the log, not the client).
 */
export function toErrorResponse(error: unknown, retryAfterSeconds: number): ErrorResponse {
  if (error instanceof CameoError) {
    const status = statusOf(error);
    if (status !== undefined) {
      const headers: Record<string, string> = error instanceof HttpError ? { ...error.headers } : {};
      if (status === 503 && headers['Retry-After'] === undefined) {
        headers['Retry-After'] = String(retryAfterSeconds);
      }
      return { status, headers, body: { error: error.code, details: detailsOf(error) }, unexpected: false };
    }
    // A known CameoError without an HTTP meaning (storage failure, remote failure of an
    // unknown class): 500, but the code is stable and safe to show.
    return {
      status: 500,
      headers: {},
      body: {
        error: error instanceof RemoteError ? error.remoteCode : error.code,
        details: detailsOf(error),
      },
      unexpected: true,
    };
  }
  return {
    status: 500,
    headers: {},
    body: { error: 'INTERNAL_ERROR', details: { message: 'internal server error' } },
    unexpected: true,
  };
}

/** Logs an error response: unexpected failures at error level with their stack, the rest at debug. */
export function logErrorResponse(
  logger: Logger,
  error: unknown,
  response: ErrorResponse,
  route: string,
): void {
  if (response.unexpected) {
    logger.error({ err: error, route, status: response.status }, 'request failed');
  } else {
    logger.debug({ route, status: response.status, code: response.body.error }, 'request rejected');
  }
}
