/**
 * The router's cluster telemetry: broadcasts and their failed nodes, remote asks by peer
 * and outcome, their latency, retries and timeouts. Exported in Prometheus text format,
 * and summarised for `/_cluster/health`.
 * @module
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** Per-peer numbers for the health endpoint. */
export interface PeerTraffic {
  asks: number;
  failures: number;
  retries: number;
  timeouts: number;
  /** Mean latency of successful asks, in milliseconds. */
  meanLatencyMs: number;
}

/** The summary `/_cluster/health` shows. */
export interface ClusterTrafficSnapshot {
  readonly broadcasts: number;
  readonly broadcastNodeFailures: number;
  readonly retries: number;
  readonly remoteTimeouts: number;
  readonly peers: Readonly<Record<string, PeerTraffic>>;
}

/** Counters and histograms of the cluster router. */
export class ClusterRouterMetrics {
  private readonly broadcastsTotal: Counter<'op'>;
  private readonly broadcastFailures: Counter<'peer'>;
  private readonly remoteAsks: Counter<'peer' | 'outcome'>;
  private readonly remoteSeconds: Histogram<'peer'>;
  private readonly retriesTotal: Counter<'peer'>;
  private readonly timeoutsTotal: Counter<'peer'>;
  private readonly readRepairs: Counter<'outcome'>;
  private readonly handoffDeleteMisses: Counter<'peer'>;
  private readonly statisticsRounds: Counter<'source'>;
  private broadcasts = 0;
  private broadcastNodeFailures = 0;
  private retries = 0;
  private remoteTimeouts = 0;
  private readonly peers = new Map<string, PeerTraffic & { latencySumMs: number; successes: number }>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.broadcastsTotal = new Counter({
      name: 'cameodb_cluster_broadcasts_total',
      help: 'Operations fanned out to every node, by operation.',
      labelNames: ['op'],
      registers,
    });
    this.broadcastFailures = new Counter({
      name: 'cameodb_cluster_broadcast_failures_total',
      help: 'Nodes that did not answer a broadcast (down, timed out or failed), by node.',
      labelNames: ['peer'],
      registers,
    });
    this.remoteAsks = new Counter({
      name: 'cameodb_cluster_remote_asks_total',
      help: 'Operations sent to another node, by node and outcome.',
      labelNames: ['peer', 'outcome'],
      registers,
    });
    this.remoteSeconds = new Histogram({
      name: 'cameodb_cluster_remote_ask_seconds',
      help: 'Latency of operations sent to another node (successful attempts), by node.',
      labelNames: ['peer'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.retriesTotal = new Counter({
      name: 'cameodb_cluster_remote_retries_total',
      help: 'Retried remote attempts, by node.',
      labelNames: ['peer'],
      registers,
    });
    this.timeoutsTotal = new Counter({
      name: 'cameodb_cluster_remote_timeouts_total',
      help: 'Remote attempts that hit their deadline, by node.',
      labelNames: ['peer'],
      registers,
    });
    this.readRepairs = new Counter({
      name: 'cameodb_cluster_handoff_read_repairs_total',
      help: 'Reads that found a not-yet-moved document on a node handing off and handed it to its owner (rebalancing), by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.handoffDeleteMisses = new Counter({
      name: 'cameodb_cluster_handoff_delete_misses_total',
      help: 'Deletes during rebalancing not applied on a node handing off (the owner tombstone still stops its copy), by node.',
      labelNames: ['peer'],
      registers,
    });
    this.statisticsRounds = new Counter({
      name: 'cameodb_cluster_search_statistics_total',
      help: 'Where cluster searches took their BM25 statistics: remembered (one round trip), changed (remembered ones were out of date: ranked again), counted (a statistics round first).',
      labelNames: ['source'],
      registers,
    });
  }

  /** Where a cluster search took its BM25 statistics from. */
  searchStatistics(source: 'remembered' | 'changed' | 'counted'): void {
    this.statisticsRounds.inc({ source });
  }

  /** A read found a not-yet-moved document elsewhere and handed it to the owner (`adopted` 0: the owner had newer). */
  handoffReadRepaired(adopted: number): void {
    this.readRepairs.inc({ outcome: adopted > 0 ? 'adopted' : 'skipped' });
  }

  /** A delete during rebalancing could not be applied on a node handing off. */
  handoffDeleteMissed(peer: string): void {
    this.handoffDeleteMisses.inc({ peer });
  }

  private peer(peer: string) {
    let traffic = this.peers.get(peer);
    if (traffic === undefined) {
      traffic = {
        asks: 0,
        failures: 0,
        retries: 0,
        timeouts: 0,
        meanLatencyMs: 0,
        latencySumMs: 0,
        successes: 0,
      };
      this.peers.set(peer, traffic);
    }
    return traffic;
  }

  /** One broadcast of `op`. */
  broadcast(op: string): void {
    this.broadcasts++;
    this.broadcastsTotal.inc({ op });
  }

  /** A node did not answer a broadcast. */
  broadcastFailed(peer: string): void {
    this.broadcastNodeFailures++;
    this.broadcastFailures.inc({ peer });
  }

  /** A remote attempt succeeded after `seconds`. */
  succeeded(peer: string, seconds: number): void {
    const traffic = this.peer(peer);
    traffic.asks++;
    traffic.successes++;
    traffic.latencySumMs += seconds * 1000;
    traffic.meanLatencyMs = traffic.latencySumMs / traffic.successes;
    this.remoteAsks.inc({ peer, outcome: 'ok' });
    this.remoteSeconds.observe({ peer }, seconds);
  }

  /** A remote attempt failed (`timeout` when it hit its deadline). */
  failed(peer: string, timeout: boolean): void {
    const traffic = this.peer(peer);
    traffic.asks++;
    traffic.failures++;
    this.remoteAsks.inc({ peer, outcome: timeout ? 'timeout' : 'error' });
    if (timeout) {
      traffic.timeouts++;
      this.remoteTimeouts++;
      this.timeoutsTotal.inc({ peer });
    }
  }

  /** A remote attempt is about to be retried. */
  retried(peer: string): void {
    this.peer(peer).retries++;
    this.retries++;
    this.retriesTotal.inc({ peer });
  }

  /** The numbers for `/_cluster/health`. */
  snapshot(): ClusterTrafficSnapshot {
    const peers: Record<string, PeerTraffic> = {};
    for (const [peer, traffic] of this.peers) {
      peers[peer] = {
        asks: traffic.asks,
        failures: traffic.failures,
        retries: traffic.retries,
        timeouts: traffic.timeouts,
        meanLatencyMs: Math.round(traffic.meanLatencyMs * 1000) / 1000,
      };
    }
    return {
      broadcasts: this.broadcasts,
      broadcastNodeFailures: this.broadcastNodeFailures,
      retries: this.retries,
      remoteTimeouts: this.remoteTimeouts,
      peers,
    };
  }
}
