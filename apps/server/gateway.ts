/**
 * The gateway's shared machinery: the Hono environment type, admission control (an
 * in-flight cap and a drain switch), per-request deadlines, asks to the router that can
 * never hang, and request metrics. Routes receive a Gateway and register themselves.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { ClientOp, ClientReplies, ReplyOf } from '../../messages/index.js';
import { CancelledError, ShuttingDownError } from '../../messages/index.js';
import type { ServerConfig } from './config.js';
import { overloaded, requestTimeout, toErrorResponse } from './http-errors.js';
import type { GatewayMetrics } from './http-metrics.js';
import type { NodeHandle } from './node-handle.js';

/** The abort reason of a request's signal once the request is over. */
const REQUEST_OVER = new CancelledError('the request is over');

/** Per-request values set by the admission middleware. */
export interface GatewayVariables {
  /** Epoch milliseconds after which the request fails with 503 REQUEST_TIMEOUT. */
  deadline: number;
  /** Aborted when the request's deadline passes; passed to every ask. */
  signal: AbortSignal;
  /**
   * The gateway's id of this request, put in the node ops (`requestId`) so a retried
   * batch is recognisably the same. Always generated here: a client's X-Request-Id is
   * only echoed and logged, because clients often reuse one id for many requests.
   */
  requestId: string;
}

/** The Hono environment of the gateway. */
export type GatewayEnv = { Variables: GatewayVariables };

/** The gateway's HTTP limits (the `http` section of ServerConfig). */
export type HttpLimits = ServerConfig['http'];

/** A client's X-Request-Id is echoed only when it is 1-128 printable ASCII characters. */
const PRINTABLE_ID = /^[\x21-\x7e]{1,128}$/;

/** Paths that bypass the in-flight cap and the drain switch: observability must work under load. */
const UNMETERED_PATHS = new Set(['/metrics', '/_cluster/health', '/openapi.json']);

/** Everything a route needs. */
export class Gateway {
  /** Requests being served now (unmetered paths excluded). */
  private inFlightCount = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly node: NodeHandle,
    readonly limits: HttpLimits,
    readonly logger: Logger,
    readonly metrics: GatewayMetrics,
  ) {}

  /** Requests being served now. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Stops admitting requests (they get 503 SHUTTING_DOWN); in-flight ones finish. */
  startDraining(): void {
    this.draining = true;
  }

  /** Resolves when no request is in flight, or after `timeoutMs`; true when drained. */
  async waitUntilIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlightCount === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * The first middleware: records metrics for every request, refuses work while draining
   * or at the in-flight cap (503 + Retry-After), and sets the request's deadline.
   */
  admission(): MiddlewareHandler<GatewayEnv> {
    return async (c, next) => {
      const started = process.hrtime.bigint();
      const unmetered = UNMETERED_PATHS.has(c.req.path);
      const requestId = randomUUID();
      c.set('requestId', requestId);
      const clientId = c.req.header('x-request-id');
      c.header('X-Request-Id', clientId !== undefined && PRINTABLE_ID.test(clientId) ? clientId : requestId);
      if (!unmetered) {
        const refusal = this.refusal();
        if (refusal !== undefined) {
          // Answered here (not thrown) so the refusal is counted like any other request.
          const { status, headers, body } = toErrorResponse(refusal, this.limits.retryAfterSeconds);
          for (const [name, value] of Object.entries(headers)) c.header(name, value);
          const response = c.json(body, status as 503);
          this.record(c, started, response.status);
          return response;
        }
        this.inFlightCount += 1;
        this.metrics.inFlight.set(this.inFlightCount);
      }
      const controller = new AbortController();
      // Timers are unref'd: they must never keep a stopping process alive.
      const timer = setTimeout(() => controller.abort(), this.limits.requestTimeoutMs).unref();
      try {
        c.set('deadline', Date.now() + this.limits.requestTimeoutMs);
        // Also abort the node's work when the client goes away.
        c.set('signal', AbortSignal.any([controller.signal, c.req.raw.signal]));
        await next();
      } finally {
        clearTimeout(timer);
        // The request is over (answered, timed out or failed): node work still running
        // for it is abandoned, so tell it to stop rather than leave that to a timer race.
        // One shared reason: abort() without one builds a DOMException per request.
        controller.abort(REQUEST_OVER);
        if (!unmetered) {
          this.inFlightCount -= 1;
          this.metrics.inFlight.set(this.inFlightCount);
          if (this.inFlightCount === 0) this.notifyIdle();
        }
      }
      this.record(c, started, c.res.status);
      return undefined;
    };
  }

  /** Why a new request must be refused now, if it must. */
  private refusal(): Error | undefined {
    if (this.draining) {
      this.metrics.rejected.inc({ reason: 'shutting_down' });
      return new ShuttingDownError('the server is shutting down');
    }
    if (this.inFlightCount >= this.limits.maxInFlightRequests) {
      this.metrics.rejected.inc({ reason: 'in_flight_cap' });
      return overloaded('too many requests in flight; retry later', this.limits.retryAfterSeconds, {
        in_flight: this.inFlightCount,
        limit: this.limits.maxInFlightRequests,
      });
    }
    return undefined;
  }

  /** Records the request in the metrics, under its route pattern (not its raw path). */
  record(c: Context, started: bigint, status: number): void {
    const routes = matchedRoutes(c);
    const last = routes[routes.length - 1];
    const route = last !== undefined && last.method !== 'ALL' ? last.path : 'unmatched';
    const labels = { method: c.req.method, route, status: String(status) };
    this.metrics.requests.inc(labels);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.latency.observe(labels, seconds);
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug(
        { ...labels, path: c.req.path, duration_ms: seconds * 1000, request_id: c.get('requestId') },
        'request',
      );
    }
  }

  /**
   * Wraps a route handler so it fails with 503 REQUEST_TIMEOUT at the request's deadline
   * even when the work under it never settles.
   */
  handler(run: (c: Context<GatewayEnv>) => Promise<Response>): (c: Context<GatewayEnv>) => Promise<Response> {
    return (c) => this.withDeadline(run(c), c.get('deadline'));
  }

  /** Rejects with REQUEST_TIMEOUT at `deadline` (epoch ms) unless `work` settles first. */
  withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    const remaining = deadline - Date.now();
    const timeoutMs = this.limits.requestTimeoutMs;
    if (remaining <= 0) {
      work.catch(() => undefined);
      this.metrics.rejected.inc({ reason: 'deadline' });
      return Promise.reject(requestTimeout(timeoutMs, this.limits.retryAfterSeconds));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.metrics.rejected.inc({ reason: 'deadline' });
        reject(requestTimeout(timeoutMs, this.limits.retryAfterSeconds));
      }, remaining).unref();
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Asks the router with the request's deadline and abort signal; both may be given
   * explicitly (the NDJSON ingest gives each batch its own).
   */
  ask<M extends ClientOp>(
    c: Context<GatewayEnv>,
    op: M,
    options: { deadline?: number; signal?: AbortSignal } = {},
  ): Promise<ReplyOf<ClientOp, ClientReplies, M>> {
    const deadline = options.deadline ?? c.get('deadline');
    const signal = options.signal ?? c.get('signal');
    const timeoutMs = Math.max(1, deadline - Date.now());
    return this.withDeadline(this.node.router.ask(op, { timeoutMs, signal }), deadline);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Registers a set of routes on the app. */
export type RouteRegistrar = (app: Hono<GatewayEnv>, gateway: Gateway) => void;
