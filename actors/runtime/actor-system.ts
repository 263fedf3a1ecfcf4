/**
 * The actor system: one lifecycle object holding the nact system, the logger, the
 * metrics registry, the shared deadline timers, the named registry and the top-level
 * actors. `stop()` stops actors children-first, last-spawned first, then the timers.
 * @module
 */
import nact, { type Ref } from 'nact';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { ActorStoppedError, ShuttingDownError, type Message, type ReplyMap } from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import { ActorCell, type CellHost, type Supervisor } from './actor-cell.js';
import {
  CrashPolicy,
  checkDispatchSettings,
  type ActorDefinition,
  type ActorSystemFacade,
  type CrashPolicy as CrashPolicyType,
  type SpawnOptions,
  type Supervision,
} from './actor-definition.js';
import { ActorMetrics, type ActorSnapshot, type GaugeSource } from './actor-metrics.js';
import { ActorRegistryImpl, type ActorRegistry } from './actor-registry.js';
import { DeadlineTimers } from './deadline-timers.js';
import { LocalActorRef } from './local-ref.js';

/** Options of `createActorSystem`; every field has a default. */
export interface ActorSystemOptions {
  /** Name in logs; default `cameodb`. */
  readonly name?: string;
  /** Default: a pino logger at `LOG_LEVEL` (or `info`). */
  readonly logger?: Logger;
  /** Default: a new Registry (one per system: actor paths are the label values). */
  readonly metricsRegistry?: Registry;
  /** Deadline of an ask without its own `timeoutMs`; default 5000. */
  readonly askTimeoutMs?: number;
  /** Default per-message handler deadline; default 30000. */
  readonly messageDeadlineMs?: number;
  /** Default mailbox bound; default 10000. */
  readonly mailboxLimit?: number;
  /** How long stopping waits for running handlers before abandoning them; default 5000. */
  readonly stopGraceMs?: number;
  /** Default crash policy; default restart (at most 10 restarts within 60 s, then stop). */
  readonly supervision?: CrashPolicyType | Supervision;
}

/** Counters of the whole system. */
export interface ActorSystemSnapshot {
  readonly name: string;
  readonly status: ActorSystemStatus;
  /** Messages sent to stopped actors since the system started. */
  readonly deadLetters: number;
  /** Live actors, parents before their children. */
  readonly actors: ActorSnapshot[];
}

/** Lifecycle state of a system. */
export type ActorSystemStatus = 'running' | 'stopping' | 'stopped';

/** An actor system: spawn actors, name them, observe them, stop them in order. */
export interface ActorSystem extends ActorSystemFacade {
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  readonly registry: ActorRegistry;
  readonly askTimeoutMs: number;
  readonly messageDeadlineMs: number;
  readonly status: ActorSystemStatus;
  /** Idempotent; the system is running from creation (kept for the one lifecycle of a node). */
  start(): Promise<void>;
  /** Stops every actor (children before parents, last spawned first), then the timers. Idempotent. */
  stop(): Promise<void>;
  /** Starts a top-level actor. ShuttingDownError once stopping. */
  spawn<P extends Message, R extends ReplyMap<P>, S>(
    definition: ActorDefinition<P, R, S>,
    options?: SpawnOptions,
  ): ActorRef<P, R>;
  /** Stops one local actor of this system (its children first). */
  stopActor<P extends Message, R extends ReplyMap<P>>(ref: ActorRef<P, R>): Promise<void>;
  /** Counters of the system and of its live actors. */
  snapshot(): ActorSystemSnapshot;
  /** Counters of one local actor (also after it stopped). */
  snapshotOf<P extends Message, R extends ReplyMap<P>>(ref: ActorRef<P, R>): ActorSnapshot;
}

class ActorSystemImpl implements ActorSystem, CellHost, Supervisor, GaugeSource {
  readonly name: string;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  readonly registry: ActorRegistryImpl;
  readonly timers = new DeadlineTimers();
  readonly metrics: ActorMetrics;
  readonly askTimeoutMs: number;
  readonly messageDeadlineMs: number;
  readonly mailboxLimit: number;
  readonly supervision: Supervision;
  readonly stopGraceMs: number;
  readonly nactRoot: Ref<unknown>;
  readonly childPathPrefix = '';
  readonly children = new Map<string, ActorCell<never, never, unknown>>();
  readonly facade: ActorSystemFacade = this;
  status: ActorSystemStatus = 'running';
  private correlationIds = 0;
  private deadLetters = 0;
  private stopping: Promise<void> | null = null;

  constructor(options: ActorSystemOptions) {
    this.name = options.name ?? 'cameodb';
    this.logger = (options.logger ?? pino({ name: 'cameodb', level: process.env.LOG_LEVEL ?? 'info' })).child(
      {
        actorSystem: this.name,
      },
    );
    this.metricsRegistry = options.metricsRegistry ?? new Registry();
    this.askTimeoutMs = positive('askTimeoutMs', options.askTimeoutMs ?? 5_000);
    this.messageDeadlineMs = positive('messageDeadlineMs', options.messageDeadlineMs ?? 30_000);
    this.mailboxLimit = options.mailboxLimit ?? 10_000;
    this.stopGraceMs = positive('stopGraceMs', options.stopGraceMs ?? 5_000);
    const supervision = options.supervision ?? CrashPolicy.Restart;
    checkDispatchSettings({ mailboxLimit: this.mailboxLimit, supervision });
    this.supervision = typeof supervision === 'string' ? { policy: supervision } : supervision;
    this.registry = new ActorRegistryImpl(
      (ref) => {
        if (ref instanceof LocalActorRef && ref.cell.isStopping()) {
          throw new ActorStoppedError(`actor "${ref.name}" is stopped and cannot be registered`);
        }
      },
      (name, ref) => {
        if (ref instanceof LocalActorRef && ref.cell.host === this) ref.cell.registered(name);
      },
    );
    this.metrics = ActorMetrics.forRegistry(this.metricsRegistry);
    this.metrics.attach(this);
    this.nactRoot = nact.start();
  }

  async start(): Promise<void> {
    if (this.status !== 'running')
      throw new ShuttingDownError(`actor system "${this.name}" is ${this.status}`);
  }

  stop(): Promise<void> {
    if (this.stopping === null) this.stopping = this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.status = 'stopping';
    for (const child of [...this.children.values()].reverse()) await child.stop();
    this.timers.dispose();
    nact.stop(this.nactRoot);
    this.registry.clear();
    this.metrics.detach(this);
    this.status = 'stopped';
    this.logger.debug('actor system stopped');
  }

  spawn<P extends Message, R extends ReplyMap<P>, S>(
    definition: ActorDefinition<P, R, S>,
    options?: SpawnOptions,
  ): ActorRef<P, R> {
    if (this.status !== 'running') {
      throw new ShuttingDownError(
        `actor system "${this.name}" is ${this.status}; cannot spawn "${definition.name}"`,
      );
    }
    return new ActorCell<P, R, S>(this, this, definition, options).ref;
  }

  stopActor<P extends Message, R extends ReplyMap<P>>(ref: ActorRef<P, R>): Promise<void> {
    return this.cellOf(ref).stop();
  }

  snapshot(): ActorSystemSnapshot {
    return {
      name: this.name,
      status: this.status,
      deadLetters: this.deadLetters,
      actors: [...this.liveSnapshots()],
    };
  }

  snapshotOf<P extends Message, R extends ReplyMap<P>>(ref: ActorRef<P, R>): ActorSnapshot {
    return this.cellOf(ref).snapshot();
  }

  *liveSnapshots(): Iterable<ActorSnapshot> {
    const walk = function* (cells: Iterable<ActorCell<never, never, unknown>>): Generator<ActorSnapshot> {
      for (const cell of cells) {
        yield cell.snapshot();
        yield* walk(cell.children.values());
      }
    };
    yield* walk(this.children.values());
  }

  escalate(error: unknown, child: ActorCell<never, never, unknown>): void {
    this.logger.error(
      { err: error, child: child.path },
      'failure escalated to the system root; stopping the actor',
    );
    void child.stop();
  }

  nextCorrelationId(): number {
    return ++this.correlationIds;
  }

  deadLetter(): void {
    this.deadLetters++;
  }

  private cellOf<P extends Message, R extends ReplyMap<P>>(ref: ActorRef<P, R>): ActorCell<P, R, unknown> {
    if (!(ref instanceof LocalActorRef) || ref.cell.host !== this) {
      throw new RangeError(`"${ref.name}" is not a local actor of system "${this.name}"`);
    }
    return ref.cell as ActorCell<P, R, unknown>;
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number > 0`);
  return value;
}

/** Creates a running actor system. Stop it with `await system.stop()`. */
export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new ActorSystemImpl(options);
}
