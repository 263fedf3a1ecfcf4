/**
 * Builds the Hono application of the gateway over a NodeHandle: admission and metrics
 * middleware, every route, and the one error handler that maps errors to HTTP.
 * @module
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { Gateway, type GatewayEnv, type HttpLimits } from './gateway.js';
import { logErrorResponse, methodNotAllowed, routeNotFound, toErrorResponse } from './http-errors.js';
import { GatewayMetrics } from './http-metrics.js';
import type { NodeHandle } from './node-handle.js';
import { registerClusterRoutes } from './routes/cluster.js';
import { registerDocumentRoutes } from './routes/documents.js';
import { registerIndexRoutes } from './routes/indexes.js';
import { registerIngestStreamRoute } from './routes/ingest-stream.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerSystemRoutes } from './routes/system.js';

/** Options of createApp. */
export interface AppOptions {
  readonly node: NodeHandle;
  readonly limits: HttpLimits;
  readonly logger: Logger;
  /** Metrics to record into; a fresh set by default. */
  readonly metrics?: GatewayMetrics;
}

/** The gateway application and its machinery (for draining and tests). */
export interface GatewayApp {
  readonly app: Hono<GatewayEnv>;
  readonly gateway: Gateway;
}

/** Builds the gateway application. */
export function createApp(options: AppOptions): GatewayApp {
  const gateway = new Gateway(
    options.node,
    options.limits,
    options.logger,
    options.metrics ?? new GatewayMetrics(),
  );
  const app = new Hono<GatewayEnv>();
  app.use('*', gateway.admission());
  registerDocumentRoutes(app, gateway);
  registerIngestStreamRoute(app, gateway);
  registerSearchRoutes(app, gateway);
  registerIndexRoutes(app, gateway);
  registerSystemRoutes(app, gateway);
  registerClusterRoutes(app, gateway);
  // A known path with another method is 405 with Allow, not 404.
  const patterns = app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => ({
      method: route.method,
      pattern: new RegExp(`^${route.path.replace(/:[A-Za-z_]+/g, '[^/]+')}$`),
    }));
  app.notFound((c) => {
    const allowed = [
      ...new Set(patterns.filter((entry) => entry.pattern.test(c.req.path)).map((entry) => entry.method)),
    ];
    const error =
      allowed.length > 0
        ? methodNotAllowed(c.req.method, c.req.path, allowed)
        : routeNotFound(c.req.method, c.req.path);
    const response = toErrorResponse(error, options.limits.retryAfterSeconds);
    for (const [name, value] of Object.entries(response.headers)) c.header(name, value);
    return c.json(response.body, response.status as 404);
  });
  app.onError((error, c) => {
    const response = toErrorResponse(error, options.limits.retryAfterSeconds);
    logErrorResponse(options.logger, error, response, c.req.path);
    for (const [name, value] of Object.entries(response.headers)) c.header(name, value);
    return c.json(response.body, response.status as 400);
  });
  return { app, gateway };
}
