/**
 * Per-actor Prometheus metrics (label `actor` = the actor's path) and the plain counters
 * behind `snapshot()`. Counters and the handler-time histogram are updated per message
 * through pre-bound label children; the two gauges (mailbox depth, in flight) are read
 * from the live actors when the registry is scraped, so the hot path never sets them.
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What one actor reports, as numbers (also the source of the gauges). */
export interface ActorSnapshot {
  /** The actor's path. */
  readonly actor: string;
  readonly status: 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';
  /** Messages waiting to start. */
  readonly mailboxDepth: number;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Handlers that returned a reply. */
  readonly processed: number;
  /** Handlers that threw, rejected or missed their deadline. */
  readonly failed: number;
  readonly restarts: number;
  /** Asks refused at once because the mailbox was full. */
  readonly overloadedAsks: number;
  /** Tells dropped because the mailbox was full. */
  readonly droppedTells: number;
  /** Messages skipped because their asker had already given up. */
  readonly expired: number;
  /** Messages sent to this actor after it stopped. */
  readonly deadLetters: number;
}

/** @internal Something whose gauges are read at scrape time. */
export interface GaugeSource {
  liveSnapshots(): Iterable<ActorSnapshot>;
}

/** @internal The label children one actor updates per message. */
export interface ActorMetricHandles {
  readonly processed: { inc(): void };
  readonly failed: { inc(): void };
  readonly handlerSeconds: { observe(value: number): void };
  readonly restarts: { inc(): void };
  readonly overloadedAsks: { inc(): void };
  readonly droppedTells: { inc(): void };
  readonly expired: { inc(): void };
  readonly deadLetters: { inc(): void };
}

/** @internal The actor metrics registered in one prom-client Registry (shared by the systems using it). */
export class ActorMetrics {
  private static readonly byRegistry = new WeakMap<Registry, ActorMetrics>();

  /** The metrics of `registry`, created on first use. */
  static forRegistry(registry: Registry): ActorMetrics {
    let metrics = ActorMetrics.byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new ActorMetrics(registry);
      ActorMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private readonly sources = new Set<GaugeSource>();
  private readonly processed: Counter<'actor'>;
  private readonly failed: Counter<'actor'>;
  private readonly handlerSeconds: Histogram<'actor'>;
  private readonly restarts: Counter<'actor'>;
  private readonly overloadedAsks: Counter<'actor'>;
  private readonly droppedTells: Counter<'actor'>;
  private readonly expired: Counter<'actor'>;
  private readonly deadLetters: Counter<'actor'>;

  private constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['actor'] as const;
    const sources = this.sources;
    new Gauge({
      name: 'cameodb_actor_mailbox_depth',
      help: 'Messages waiting in the actor mailbox',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const source of sources)
          for (const s of source.liveSnapshots()) this.set({ actor: s.actor }, s.mailboxDepth);
      },
    });
    new Gauge({
      name: 'cameodb_actor_in_flight',
      help: 'Handlers of the actor running now',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const source of sources)
          for (const s of source.liveSnapshots()) this.set({ actor: s.actor }, s.inFlight);
      },
    });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });
    this.processed = counter('cameodb_actor_messages_processed_total', 'Messages whose handler returned');
    this.failed = counter(
      'cameodb_actor_messages_failed_total',
      'Messages whose handler failed or missed its deadline',
    );
    this.restarts = counter('cameodb_actor_restarts_total', 'Restarts by the crash policy');
    this.overloadedAsks = counter(
      'cameodb_actor_overloaded_asks_total',
      'Asks refused because the mailbox was full',
    );
    this.droppedTells = counter(
      'cameodb_actor_dropped_tells_total',
      'Tells dropped because the mailbox was full',
    );
    this.expired = counter(
      'cameodb_actor_expired_messages_total',
      'Messages skipped because the asker gave up',
    );
    this.deadLetters = counter('cameodb_actor_dead_letters_total', 'Messages sent to a stopped actor');
    this.handlerSeconds = new Histogram({
      name: 'cameodb_actor_handler_seconds',
      help: 'Time from handler start to reply',
      labelNames,
      registers,
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    });
  }

  /** Adds a source of gauge values (an actor system). */
  attach(source: GaugeSource): void {
    this.sources.add(source);
  }

  /** Removes a source. */
  detach(source: GaugeSource): void {
    this.sources.delete(source);
  }

  /** The label children of one actor. */
  handles(actor: string): ActorMetricHandles {
    const labels = { actor };
    return {
      processed: this.processed.labels(labels),
      failed: this.failed.labels(labels),
      handlerSeconds: this.handlerSeconds.labels(labels),
      restarts: this.restarts.labels(labels),
      overloadedAsks: this.overloadedAsks.labels(labels),
      droppedTells: this.droppedTells.labels(labels),
      expired: this.expired.labels(labels),
      deadLetters: this.deadLetters.labels(labels),
    };
  }
}
