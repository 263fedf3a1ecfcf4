/**
 * The HTTP client of the load tool: node:http over a keep-alive Agent with one socket per
 * client. Chosen over global fetch because undici is not importable here (only its types
 * are installed), so fetch's pool cannot be sized, and because node:http costs far less CPU
 * per request (measured here against a trivial local server, 16 connections: 37 us vs
 * 210 us of process CPU per request, 26k vs 5k requests/s); on this 2-core machine every
 * client CPU cycle is taken from the server.
 * Requests never reject: a connection failure is an answer with status 0 and its code.
 * @module
 */
import { Agent, request } from 'node:http';

/** An answer: the status and the body text. */
export interface HttpAnswer {
  /** HTTP status; 0 when the connection failed. */
  readonly status: number;
  readonly body: string;
  /** Network error code (ECONNREFUSED, ECONNRESET, TIMEOUT) when status is 0. */
  readonly networkError?: string;
}

/** Options of createHttpTarget. */
export interface HttpTargetOptions {
  /** Base URL, e.g. http://127.0.0.1:9480. */
  readonly url: string;
  /** Sockets kept open; at least the load's concurrency. */
  readonly maxSockets: number;
  /** A request with no answer after this is reported as status 0 TIMEOUT. */
  readonly timeoutMs: number;
}

/** Sends requests to one server. */
export interface HttpTarget {
  readonly url: string;
  /** Sends a JSON body (already serialised) or none. */
  send(method: string, path: string, body?: string): Promise<HttpAnswer>;
  /** Closes the kept-alive sockets. */
  close(): void;
}

/** A keep-alive HTTP client for one base URL. */
export function createHttpTarget(options: HttpTargetOptions): HttpTarget {
  const base = new URL(options.url);
  if (base.protocol !== 'http:')
    throw new RangeError(`only http:// targets are supported, got ${options.url}`);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
  });
  const hostname = base.hostname;
  const port = base.port === '' ? 80 : Number(base.port);
  const prefix = base.pathname.replace(/\/$/, '');
  return {
    url: options.url,
    send(method, path, body) {
      return new Promise<HttpAnswer>((resolve) => {
        const headers: Record<string, string | number> = { accept: 'application/json' };
        let payload: Buffer | undefined;
        if (body !== undefined) {
          payload = Buffer.from(body);
          headers['content-type'] = 'application/json';
          headers['content-length'] = payload.length;
        }
        let settled = false;
        const finish = (answer: HttpAnswer): void => {
          if (settled) return;
          settled = true;
          resolve(answer);
        };
        const req = request(
          { agent, hostname, port, method, path: prefix + path, headers, timeout: options.timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
            res.on('error', (error: NodeJS.ErrnoException) =>
              finish({ status: 0, body: '', networkError: error.code ?? 'ERESPONSE' }),
            );
          },
        );
        req.on('timeout', () => {
          finish({ status: 0, body: '', networkError: 'TIMEOUT' });
          req.destroy();
        });
        req.on('error', (error: NodeJS.ErrnoException) =>
          finish({ status: 0, body: '', networkError: error.code ?? 'EREQUEST' }),
        );
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** The `error` code of a CameoDB error body, or undefined when the body is not one. */
export function errorCodeOf(answer: HttpAnswer): string | undefined {
  if (answer.status === 0) return answer.networkError;
  try {
    const parsed = JSON.parse(answer.body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
