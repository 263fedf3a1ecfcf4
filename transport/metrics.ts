/**
 * Prometheus metrics of a transport node (prom-client). Each node registers into its own
 * Registry unless given one, so several nodes in one process (test meshes) never clash.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metrics a transport node updates. */
export class TransportMetrics {
  /** Remote asks made by this node, by outcome (`ok` or the error code). */
  readonly asks: Counter<'outcome'>;
  /** Round-trip time of remote asks that got a reply or a remote error. */
  readonly askSeconds: Histogram;
  /** Asks from peers served by this node, by outcome. */
  readonly served: Counter<'outcome'>;
  /** RPC streams reset because a peer broke the protocol (garbage, oversized, unknown frames). */
  readonly protocolViolations: Counter;

  constructor(
    readonly registry: Registry,
    gauges: { sessions: () => number; peers: () => number },
  ) {
    const registers = [registry];
    this.asks = new Counter({
      name: 'cameodb_transport_asks_total',
      help: 'Remote asks made by this node, by outcome (ok or error code)',
      labelNames: ['outcome'],
      registers,
    });
    this.askSeconds = new Histogram({
      name: 'cameodb_transport_ask_seconds',
      help: 'Round-trip time of remote asks',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.served = new Counter({
      name: 'cameodb_transport_asks_served_total',
      help: 'Asks from peers served by this node, by outcome (ok or error code)',
      labelNames: ['outcome'],
      registers,
    });
    this.protocolViolations = new Counter({
      name: 'cameodb_transport_protocol_violations_total',
      help: 'RPC streams reset because the peer sent a malformed, oversized or unknown frame',
      registers,
    });
    new Gauge({
      name: 'cameodb_transport_sessions',
      help: 'Open RPC sessions (one long-lived stream per peer)',
      registers,
      collect() {
        this.set(gauges.sessions());
      },
    });
    new Gauge({
      name: 'cameodb_transport_peers',
      help: 'Peers with a completed hello',
      registers,
      collect() {
        this.set(gauges.peers());
      },
    });
  }
}

/** A fresh registry for a node that was not given one. */
export function createMetricsRegistry(): Registry {
  return new Registry();
}
