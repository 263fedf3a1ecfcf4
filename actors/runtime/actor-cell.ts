/**
 * The runtime of one actor: admission (bounded mailbox, dead letters), dispatch (serial or
 * N handlers in flight, per-message deadlines), state, children, and its crash policy.
 * nact supplies the mailbox queue and the message scheduling; everything nact does not
 * do safely (ask correlation, bounds, deadlines, concurrency, restart) is done here, and
 * the nact behaviour never throws, so nact's own crash handling is never involved.
 * @module
 */
import nact, { type Ref } from 'nact';
import type { Logger } from 'pino';
import { NameConflictError, ValidationError, type Message, type ReplyMap } from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import type { ActorMetricHandles, ActorSnapshot } from './actor-metrics.js';
import {
  CrashPolicy,
  checkActorName,
  checkDispatchSettings,
  type ActorContext,
  type ActorDefinition,
  type ActorSystemFacade,
  type MessageHandler,
  type SpawnOptions,
  type Supervision,
} from './actor-definition.js';
import type { ActorMetrics } from './actor-metrics.js';
import type { ActorRegistryImpl, AnyActorRef } from './actor-registry.js';
import type { DeadlineTimers } from './deadline-timers.js';
import { LocalActorRef } from './local-ref.js';
import { Delivery, isPromiseLike } from './delivery.js';
import { AskFailure, PendingAsk } from './pending-ask.js';
import { RestartWindow } from './restart-window.js';
import { RunningMessage } from './running-message.js';

/** @internal What cells need from their system. */
export interface CellHost {
  readonly facade: ActorSystemFacade;
  readonly registry: ActorRegistryImpl;
  readonly timers: DeadlineTimers;
  readonly metrics: ActorMetrics;
  readonly logger: Logger;
  readonly askTimeoutMs: number;
  readonly messageDeadlineMs: number;
  readonly mailboxLimit: number;
  readonly supervision: Supervision;
  readonly stopGraceMs: number;
  /** The nact system every cell's mailbox actor is spawned under. */
  readonly nactRoot: Ref<unknown>;
  nextCorrelationId(): number;
  deadLetter(): void;
}

/** @internal A parent: an actor, or the system root. */
export interface Supervisor {
  /** Path prefix of children (`''` for the root). */
  readonly childPathPrefix: string;
  readonly children: Map<string, ActorCell<never, never, unknown>>;
  /** A child's failure escalated to this supervisor. */
  escalate(error: unknown, child: ActorCell<never, never, unknown>): void;
}

type Status = ActorSnapshot['status'];
type AnyHandler = MessageHandler<Message, ReplyMap<Message>, unknown, Message>;

/** @internal */
export class ActorCell<P extends Message, R extends ReplyMap<P>, S> implements Supervisor {
  readonly name: string;
  readonly path: string;
  readonly childPathPrefix: string;
  readonly ref: LocalActorRef<P, R>;
  readonly logger: Logger;
  readonly nactRef: Ref<unknown>;
  readonly children = new Map<string, ActorCell<never, never, unknown>>();
  readonly askTimeoutMs: number;
  readonly messageDeadlineMs: number;
  private readonly concurrency: number;
  private readonly mailboxLimit: number;
  private readonly supervision: Supervision;
  private readonly handlers: Map<string, AnyHandler>;
  private readonly handles: ActorMetricHandles;
  private readonly context: ActorContext<P, R>;

  state: S = undefined as S;
  /** Bumped by every restart; messages of an older generation cannot set state. */
  generation = 0;
  private status: Status = 'starting';
  private hasState = false;
  private readiness: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private slotWaiter: (() => void) | null = null;
  private drained: (() => void) | null = null;
  private readonly pending = new Map<number, PendingAsk>();
  private readonly running = new Set<RunningMessage<P, R, S>>();
  private readonly registeredNames = new Set<string>();
  private readonly restartWindow: RestartWindow;

  private queued = 0;
  private inFlight = 0;
  private processed = 0;
  private failed = 0;
  private restarts = 0;
  private overloadedAsks = 0;
  private droppedTells = 0;
  private expired = 0;
  private deadLetters = 0;

  constructor(
    readonly host: CellHost,
    private readonly parent: Supervisor,
    private readonly definition: ActorDefinition<P, R, S>,
    options: SpawnOptions = {},
  ) {
    checkDispatchSettings(options);
    const name = checkActorName(options.name ?? definition.name);
    if (parent.children.has(name)) {
      throw new ValidationError(`actor "${parent.childPathPrefix}${name}" already exists`, {
        details: { name, parent: parent.childPathPrefix },
      });
    }
    if (options.registerAs !== undefined && host.registry.lookup(options.registerAs) !== undefined) {
      throw new NameConflictError(`name "${options.registerAs}" is already registered`, {
        details: { name: options.registerAs },
      });
    }
    this.name = name;
    this.path = parent.childPathPrefix + name;
    this.childPathPrefix = `${this.path}/`;
    const concurrency = options.concurrency ?? definition.concurrency ?? 'serial';
    this.concurrency = concurrency === 'serial' ? 1 : concurrency;
    this.mailboxLimit = options.mailboxLimit ?? definition.mailboxLimit ?? host.mailboxLimit;
    this.messageDeadlineMs =
      options.messageDeadlineMs ?? definition.messageDeadlineMs ?? host.messageDeadlineMs;
    this.askTimeoutMs = host.askTimeoutMs;
    const supervision = options.supervision ?? definition.supervision ?? host.supervision;
    this.supervision = typeof supervision === 'string' ? { policy: supervision } : supervision;
    this.restartWindow = new RestartWindow(this.supervision.restartLimit);
    this.handlers = new Map(Object.entries(definition.receive) as Array<[string, AnyHandler]>);
    this.logger = host.logger.child({ actor: this.path });
    this.handles = host.metrics.handles(this.path);
    this.ref = new LocalActorRef<P, R>(this as unknown as ActorCell<P, R, unknown>);
    this.context = {
      self: this.ref,
      path: this.path,
      logger: this.logger,
      system: host.facade,
      spawn: (child, childOptions) => this.spawnChild(child, childOptions),
      stopChild: (child) => this.stopChild(child),
    };
    // nact actors are spawned flat under the system: nact copies a parent's child map for
    // every message, which made a parent of 64 children twice as slow. The hierarchy
    // (supervision, stop order, paths) is kept by the cells; nact keeps the mailboxes.
    this.nactRef = nact.spawn(
      host.nactRoot,
      (_state: undefined, delivery: Delivery) => this.admit(delivery),
      this.path.replaceAll('/', '$'),
      {
        initialState: undefined,
        // Never reached (admit does not throw); kept so a runtime bug resumes instead of stopping silently.
        onCrash: (_message, error, context) => {
          this.logger.error({ err: error }, 'actor runtime fault (nact)');
          return context.resume;
        },
      },
    );
    parent.children.set(name, this as unknown as ActorCell<never, never, unknown>);
    if (options.registerAs !== undefined) host.registry.register(options.registerAs, this.ref);
    this.initialise();
  }

  // ---- sending -------------------------------------------------------------------------

  /** Admits an ask, or returns it already failed (stopped, unknown type, mailbox full, cancelled). */
  enqueueAsk(message: Message, timeoutMs: number, signal: AbortSignal | undefined): PendingAsk {
    const ask = new PendingAsk(
      this.host.nextCorrelationId(),
      this.path,
      message.type,
      timeoutMs,
      signal,
      this.askSettled,
    );
    if (this.status === 'stopping' || this.status === 'stopped') {
      this.countDeadLetter(message);
      ask.fail(AskFailure.Stopped);
    } else if (!this.handlers.has(message.type)) {
      ask.fail(AskFailure.HandlerError, this.unknownType(message));
    } else if (this.queued >= this.mailboxLimit) {
      this.overloadedAsks++;
      this.handles.overloadedAsks.inc();
      ask.fail(AskFailure.Overloaded);
    } else if (signal?.aborted === true) {
      ask.fail(AskFailure.Cancelled);
    } else {
      signal?.addEventListener('abort', ask, { once: true });
      this.pending.set(ask.id, ask);
      this.host.timers.schedule(ask, timeoutMs);
      this.queued++;
      nact.dispatch(this.nactRef, new Delivery(message, ask));
    }
    return ask;
  }

  /** Admits a tell, or counts it as a dead letter or a dropped message. */
  tell(message: Message): void {
    if (this.status === 'stopping' || this.status === 'stopped') {
      this.countDeadLetter(message);
    } else if (!this.handlers.has(message.type)) {
      this.logger.warn({ err: this.unknownType(message) }, 'tell of an unhandled message type dropped');
    } else if (this.queued >= this.mailboxLimit) {
      this.droppedTells++;
      this.handles.droppedTells.inc();
      this.logger.debug({ messageType: message.type }, 'tell dropped: mailbox full');
    } else {
      this.queued++;
      nact.dispatch(this.nactRef, new Delivery(message, null));
    }
  }

  private readonly askSettled = (ask: PendingAsk): void => {
    this.pending.delete(ask.id);
    this.host.timers.cancel(ask);
  };

  private unknownType(message: Message): ValidationError {
    return new ValidationError(
      `actor "${this.path}" does not handle messages of type "${String(message.type)}"`,
      {
        details: { actor: this.path, messageType: String(message.type) },
      },
    );
  }

  private countDeadLetter(message: Message): void {
    this.deadLetters++;
    this.handles.deadLetters.inc();
    this.host.deadLetter();
    this.logger.warn({ messageType: message.type }, 'dead letter: actor is stopped');
  }

  // ---- dispatch (called by nact, one delivery at a time, in order) ---------------------

  private admit(delivery: Delivery): void | Promise<void> {
    this.queued--;
    const ask = delivery.ask;
    if (this.status === 'stopping' || this.status === 'stopped') {
      ask?.fail(AskFailure.Stopped);
      return;
    }
    if (ask !== null && ask.settled) {
      this.expired++;
      this.handles.expired.inc();
      return;
    }
    if (this.readiness !== null) return this.admitWhenReady(delivery);
    return this.begin(delivery);
  }

  private async admitWhenReady(delivery: Delivery): Promise<void> {
    while (this.readiness !== null) await this.readiness;
    this.queued++; // admit() counts it out again
    return this.admit(delivery);
  }

  private begin(delivery: Delivery): void | Promise<void> {
    const { message, ask } = delivery;
    const handler = this.handlers.get(message.type) as AnyHandler;
    const run = new RunningMessage<P, R, S>(this, message, ask, this.generation);
    if (ask !== null) {
      ask.started = true;
      ask.observer = run;
    }
    this.inFlight++;
    let result: unknown;
    try {
      result = handler(
        this.state,
        message,
        run as unknown as RunningMessage<Message, ReplyMap<Message>, unknown>,
      );
    } catch (error) {
      run.fail(error);
      return;
    }
    if (!isPromiseLike(result)) {
      run.succeed(result);
      return;
    }
    this.running.add(run);
    this.host.timers.schedule(run, this.messageDeadlineMs);
    result.then(
      (value) => run.succeed(value),
      (error: unknown) => run.fail(error),
    );
    if (this.inFlight >= this.concurrency) {
      return new Promise<void>((resolve) => {
        this.slotWaiter = resolve;
      });
    }
  }

  /** @internal Bookkeeping when a message settles (before its ask is settled). */
  messageSettled(run: RunningMessage<P, R, S>, elapsedMs: number, ok: boolean): void {
    this.inFlight--;
    if (this.running.delete(run)) this.host.timers.cancel(run);
    this.handles.handlerSeconds.observe(elapsedMs / 1000);
    if (ok) {
      this.processed++;
      this.handles.processed.inc();
    } else {
      this.failed++;
      this.handles.failed.inc();
    }
    if (this.drained !== null && this.running.size === 0) this.drained();
    this.releaseSlot();
  }

  private releaseSlot(): void {
    const waiter = this.slotWaiter;
    if (waiter !== null && (this.inFlight < this.concurrency || this.status === 'stopped')) {
      this.slotWaiter = null;
      waiter();
    }
  }

  // ---- supervision ---------------------------------------------------------------------

  /** @internal A handler failed: log, then apply the crash policy. */
  crashed(error: unknown, run: RunningMessage<P, R, S>): void {
    const messageType = run.message.type;
    if (run.generation !== this.generation || this.isStopping()) {
      this.logger.warn({ err: error, messageType }, 'handler of a restarted or stopping actor failed');
      return;
    }
    this.logger.error({ err: error, messageType, policy: this.supervision.policy }, 'actor crashed');
    this.supervise(error);
  }

  /** Applies this actor's own policy to a failure (its own, or escalated by a child). */
  private supervise(error: unknown): void {
    const policy = this.supervision.policy;
    switch (policy) {
      case CrashPolicy.Resume:
        return;
      case CrashPolicy.Restart:
        if (this.restartWindow.allows()) void this.restart();
        else {
          this.logger.error(
            { restartLimit: this.restartWindow.limit },
            'restart limit reached; stopping the actor',
          );
          void this.stop();
        }
        return;
      case CrashPolicy.Stop:
        void this.stop();
        return;
      case CrashPolicy.Escalate:
        this.parent.escalate(error, this as unknown as ActorCell<never, never, unknown>);
        return;
    }
  }

  escalate(error: unknown, child: ActorCell<never, never, unknown>): void {
    if (this.isStopping()) return;
    this.logger.warn(
      { err: error, child: child.path, policy: this.supervision.policy },
      'failure escalated by a child',
    );
    this.supervise(error);
  }

  private async restart(): Promise<void> {
    this.restartWindow.record();
    this.restarts++;
    this.handles.restarts.inc();
    const generation = ++this.generation;
    this.status = 'restarting';
    const reason = new Error(`actor "${this.path}" is restarting`);
    for (const run of this.running) run.abort(reason);
    const previous = this.hasState;
    const oldState = this.state;
    this.hasState = false;
    let finished!: () => void;
    this.readiness = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const gate = this.readiness;
    try {
      await this.stopChildren();
      if (previous) await this.runOnStop(oldState);
    } finally {
      if (this.readiness === gate) this.readiness = null;
      finished();
    }
    // Stopped meanwhile, or a newer restart (a second crash, an escalation) will initialise.
    if (this.isStopping() || generation !== this.generation) return;
    this.logger.info({ restarts: this.restarts }, 'actor restarted');
    this.initialise();
  }

  /** Sets fresh state; async initial states hold messages back until they resolve. */
  private initialise(): void {
    let result: S | Promise<S>;
    try {
      result = this.definition.initialState(this.context);
    } catch (error) {
      this.initialisationFailed(error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.initialised(result);
      return;
    }
    if (this.status !== 'restarting') this.status = 'starting';
    const gate: Promise<void> = Promise.resolve(result).then(
      (state) => {
        if (this.readiness === gate) this.readiness = null;
        this.initialised(state);
      },
      (error: unknown) => {
        if (this.readiness === gate) this.readiness = null;
        this.initialisationFailed(error);
      },
    );
    this.readiness = gate;
  }

  private initialised(state: S): void {
    if (this.isStopping()) {
      // Stopped while starting: release what the new state holds.
      void this.runOnStop(state);
      return;
    }
    this.state = state;
    this.hasState = true;
    this.status = 'running';
  }

  private initialisationFailed(error: unknown): void {
    this.failed++;
    this.handles.failed.inc();
    this.logger.error(
      { err: error, messageType: '<initialState>', policy: this.supervision.policy },
      'actor crashed',
    );
    if (this.isStopping()) return;
    // Without state there is nothing to resume: resume means stop here.
    if (this.supervision.policy === CrashPolicy.Resume) void this.stop();
    else this.supervise(error);
  }

  private async runOnStop(state: S): Promise<void> {
    if (this.definition.onStop === undefined) return;
    try {
      await this.definition.onStop(state, this.context);
    } catch (error) {
      this.logger.error({ err: error }, 'onStop failed');
    }
  }

  // ---- children and lifecycle ----------------------------------------------------------

  /** @internal */
  spawnChild<CP extends Message, CR extends ReplyMap<CP>, CS>(
    definition: ActorDefinition<CP, CR, CS>,
    options?: SpawnOptions,
  ): ActorRef<CP, CR> {
    if (this.isStopping())
      throw new ValidationError(`actor "${this.path}" is stopping and cannot spawn children`);
    return new ActorCell<CP, CR, CS>(this.host, this, definition, options).ref;
  }

  /** @internal */
  stopChild<CP extends Message, CR extends ReplyMap<CP>>(child: ActorRef<CP, CR>): Promise<void> {
    const cell =
      child instanceof LocalActorRef
        ? (child.cell as unknown as ActorCell<never, never, unknown>)
        : undefined;
    if (cell === undefined || this.children.get(cell.name) !== cell) {
      return Promise.reject(new RangeError(`"${child.name}" is not a child of actor "${this.path}"`));
    }
    return cell.stop();
  }

  /** @internal Records a name registered to this actor (unregistered on stop). */
  registered(name: string): void {
    this.registeredNames.add(name);
  }

  /** @internal */
  isStopping(): boolean {
    return this.status === 'stopping' || this.status === 'stopped';
  }

  /** Stops children (last spawned first), refuses new messages, drains running handlers, then stops. */
  stop(): Promise<void> {
    if (this.stopping === null) this.stopping = this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.status = 'stopping';
    for (const ask of [...this.pending.values()]) if (!ask.started) ask.fail(AskFailure.Stopped);
    await this.stopChildren();
    if (this.running.size > 0) {
      // Running handlers may finish (their replies are acknowledgements) within the grace period.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, this.host.stopGraceMs);
      });
      clearTimeout(timer);
      this.drained = null;
      for (const run of [...this.running]) run.abandon();
    }
    while (this.readiness !== null) await this.readiness;
    if (this.hasState) await this.runOnStop(this.state);
    this.hasState = false;
    this.status = 'stopped';
    this.queued = 0;
    for (const ask of [...this.pending.values()]) ask.fail(AskFailure.Stopped);
    nact.stop(this.nactRef);
    this.releaseSlot();
    for (const name of this.registeredNames)
      this.host.registry.unregisterIfHeldBy(name, this.ref as unknown as AnyActorRef);
    if (this.parent.children.get(this.name) === (this as unknown)) this.parent.children.delete(this.name);
    this.logger.debug('actor stopped');
  }

  private async stopChildren(): Promise<void> {
    for (const child of [...this.children.values()].reverse()) await child.stop();
  }

  /** Counters of this actor. */
  snapshot(): ActorSnapshot {
    return {
      actor: this.path,
      status: this.status,
      mailboxDepth: this.queued,
      inFlight: this.inFlight,
      processed: this.processed,
      failed: this.failed,
      restarts: this.restarts,
      overloadedAsks: this.overloadedAsks,
      droppedTells: this.droppedTells,
      expired: this.expired,
      deadLetters: this.deadLetters,
    };
  }
}
