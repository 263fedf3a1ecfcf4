/**
 * A minimal JSON-over-HTTP client on node:http with a keep-alive agent. The benchmark uses
 * it instead of fetch because undici's per-request overhead would be charged to CameoDB;
 * `pg` likewise keeps its connections open.
 * @module
 */
import { Agent, request } from 'node:http';
import { BenchRequestError } from './errors.js';

/** A decoded reply. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

/** A keep-alive client for one base URL. */
export class JsonHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly host: string,
    private readonly port: number,
    maxSockets: number,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends a request; resolves with any status (the caller decides what is an error). */
  send(method: string, path: string, body?: unknown): Promise<JsonReply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers:
            payload === undefined
              ? { accept: 'application/json' }
              : {
                  'content-type': 'application/json',
                  'content-length': payload.length,
                  accept: 'application/json',
                },
          timeout: this.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (cause) =>
            reject(new BenchRequestError(`${method} ${path}: response failed`, { cause })),
          );
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (text !== '' && (response.headers['content-type'] ?? '').includes('json')) {
              try {
                parsed = JSON.parse(text);
              } catch (cause) {
                reject(
                  new BenchRequestError(`${method} ${path}: reply is not JSON`, {
                    cause,
                    details: text.slice(0, 500),
                  }),
                );
                return;
              }
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new BenchRequestError(`${method} ${path}: timed out after ${this.timeoutMs} ms`)),
      );
      outgoing.on('error', (cause) =>
        reject(
          cause instanceof BenchRequestError
            ? cause
            : new BenchRequestError(`${method} ${path}: ${cause.message}`, { cause }),
        ),
      );
      outgoing.end(payload);
    });
  }

  /** Sends a request and fails with BenchRequestError unless the status is 2xx. */
  async expectOk(method: string, path: string, body?: unknown): Promise<unknown> {
    const reply = await this.send(method, path, body);
    if (reply.status < 200 || reply.status > 299) {
      throw new BenchRequestError(`${method} ${path}: HTTP ${reply.status}`, {
        details: { status: reply.status, body: reply.body },
      });
    }
    return reply.body;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
