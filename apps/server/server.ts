/**
 * startServer: builds the node, the gateway and the HTTP listener, and stops them in
 * order (stop admitting, drain in-flight requests up to a timeout, close connections,
 * stop the node).
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import type { Gateway, GatewayEnv } from './gateway.js';
import { GatewayMetrics } from './http-metrics.js';
import { createLogger } from './logger.js';
import type { NodeFactory, NodeHandle } from './node-handle.js';

/** Dependencies of startServer. */
export interface StartServerOptions {
  /** Builds the node the gateway fronts. */
  readonly createNode: NodeFactory;
  /** Logger; by default pino on stdout at `config.log.level`. */
  readonly logger?: Logger;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port` the server listens on (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly node: NodeHandle;
  readonly app: Hono<GatewayEnv>;
  readonly gateway: Gateway;
  readonly logger: Logger;
  /** Graceful stop; idempotent. Resolves when HTTP is closed and the node stopped. */
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the node and the HTTP gateway in front of it. */
export async function startServer(config: ServerConfig, options: StartServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.log.level);
  const node = await options.createNode(config, logger);
  const metrics = new GatewayMetrics();
  metrics.collectProcessMetrics(node.metrics);
  const { app, gateway } = createApp({
    node,
    limits: config.http,
    logger: logger.child({ component: 'http' }),
    metrics,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // Uploads to the NDJSON stream may take far longer than Node's 5-minute default; each
  // batch has its own deadline instead. Headers must still arrive promptly.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  let address: AddressInfo;
  try {
    address = await listen(server, config.http.port, config.http.bindAddress);
  } catch (error) {
    logger.error({ err: error }, 'cannot listen; stopping the node');
    await node.stop();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ in_flight: gateway.inFlight }, 'shutting down: no new requests, draining');
      gateway.startDraining();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await gateway.waitUntilIdle(config.http.shutdownTimeoutMs);
      if (!drained) {
        logger.warn(
          { in_flight: gateway.inFlight, timeout_ms: config.http.shutdownTimeoutMs },
          'drain timed out; closing connections',
        );
      }
      server.closeAllConnections();
      await closed;
      await node.stop();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { url, port: address.port, host: address.address, node, app, gateway, logger, stop };
}
