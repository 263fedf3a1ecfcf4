/**
 * The gateway's Prometheus metrics, kept in their own registry and merged with the
 * node's registry at scrape time (so two gateways over two nodes in one process never
 * collide on a global registry).
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Metrics the gateway records. */
export class GatewayMetrics {
  /** The gateway's own registry. */
  readonly registry = new Registry();
  /** Requests by method, route pattern and status. */
  readonly requests = new Counter({
    name: 'cameodb_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  /** Latency by method, route pattern and status. */
  readonly latency = new Histogram({
    name: 'cameodb_http_request_duration_seconds',
    help: 'HTTP request latency in seconds by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Requests being served now. */
  readonly inFlight = new Gauge({
    name: 'cameodb_http_in_flight_requests',
    help: 'HTTP requests being served.',
    registers: [this.registry],
  });
  /** Requests refused before reaching the node, by reason. */
  readonly rejected = new Counter({
    name: 'cameodb_http_rejected_total',
    help: 'Requests refused by admission control, by reason (in_flight_cap, shutting_down, deadline).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** Documents acknowledged as written through the gateway. */
  readonly documentsWritten = new Counter({
    name: 'cameodb_http_documents_written_total',
    help: 'Documents acknowledged as written (single, bulk and stream ingest).',
    registers: [this.registry],
  });
  /** Documents acknowledged as deleted through the gateway. */
  readonly documentsDeleted = new Counter({
    name: 'cameodb_http_documents_deleted_total',
    help: 'Documents acknowledged as deleted (single and bulk).',
    registers: [this.registry],
  });
  /** Searches answered, by kind. */
  readonly searches = new Counter({
    name: 'cameodb_http_searches_total',
    help: 'Searches answered, by kind (search, stream).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Adds Node.js process metrics (CPU, memory, event-loop lag) unless `nodeRegistry` already has them. */
  collectProcessMetrics(nodeRegistry: Registry): void {
    if (nodeRegistry.getSingleMetric('process_cpu_user_seconds_total') !== undefined) return;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text of the gateway's and the node's metrics together. */
  async scrape(nodeRegistry: Registry): Promise<{ contentType: string; text: string }> {
    const merged = Registry.merge([this.registry, nodeRegistry]);
    return { contentType: merged.contentType, text: await merged.metrics() };
  }
}
