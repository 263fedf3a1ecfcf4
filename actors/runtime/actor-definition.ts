/**
 * How an actor type is declared: its protocol, its state, one handler per request type,
 * and its dispatch and supervision settings. `defineActor` only checks and freezes the
 * declaration; `system.spawn(definition)` or `context.spawn(definition)` starts instances.
 *
 * @example
 * ```ts
 * const CounterActor = defineActor<CounterRequest, CounterReplies, { count: number }>({
 *   name: 'counter',
 *   initialState: () => ({ count: 0 }),
 *   supervision: CrashPolicy.Restart,
 *   receive: {
 *     CounterIncrement: (state, message) => ({ type: 'CounterValue', value: (state.count += message.by) }),
 *     CounterGet: (state) => ({ type: 'CounterValue', value: state.count }),
 *   },
 * });
 * ```
 * @module
 */
import type { Logger } from 'pino';
import type { Message, ReplyMap, ReplyOf } from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import type { ActorRegistry } from './actor-registry.js';

/** What happens to an actor whose handler failed (threw, rejected or missed its deadline). */
export const CrashPolicy = {
  /** Keep the state and go on with the next message. */
  Resume: 'resume',
  /** Stop the children, then start again with fresh state from `initialState`. */
  Restart: 'restart',
  /** Stop the actor (children first); later messages are dead letters. */
  Stop: 'stop',
  /** Treat the failure as the parent's: the parent's policy applies to the parent. */
  Escalate: 'escalate',
} as const;
/** What happens to an actor whose handler failed. */
export type CrashPolicy = (typeof CrashPolicy)[keyof typeof CrashPolicy];

/** At most `maxRestarts` restarts within `withinMs`; one more and the actor stops instead. */
export interface RestartLimit {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/** The crash policy of an actor, with an optional restart limit. */
export interface Supervision {
  readonly policy: CrashPolicy;
  readonly restartLimit?: RestartLimit;
}

/** `'serial'`: one message at a time, in order. A number N: up to N handlers in flight. */
export type Concurrency = 'serial' | number;

/** Dispatch and supervision settings; declared on a definition, overridable per spawn. */
export interface DispatchSettings {
  /** Default `'serial'`. */
  readonly concurrency?: Concurrency;
  /** Messages waiting beyond this make asks fail with OverloadedError and drop tells. */
  readonly mailboxLimit?: number;
  /** Milliseconds a handler may run before its ask fails with AskTimeoutError and it counts as a crash. */
  readonly messageDeadlineMs?: number;
  /** Default: restart, at most 10 times within 60 s. */
  readonly supervision?: CrashPolicy | Supervision;
}

/** What every piece of actor code can reach: itself, its logger, its system, its children. */
export interface ActorContext<P extends Message, R extends ReplyMap<P>> {
  /** A ref to this actor. */
  readonly self: ActorRef<P, R>;
  /** Path of this actor in the hierarchy (`parent/child`); the `actor` metrics label. */
  readonly path: string;
  /** Logger bound to this actor's path. */
  readonly logger: Logger;
  /** The system: its registry, its worker pools' metrics registry, lookups. */
  readonly system: ActorSystemFacade;
  /** Starts a child actor supervised by this one. Child names are unique among siblings. */
  spawn<CP extends Message, CR extends ReplyMap<CP>, CS>(
    definition: ActorDefinition<CP, CR, CS>,
    options?: SpawnOptions,
  ): ActorRef<CP, CR>;
  /** Stops a child of this actor (its own children first); RangeError for any other ref. */
  stopChild<CP extends Message, CR extends ReplyMap<CP>>(child: ActorRef<CP, CR>): Promise<void>;
}

/** The context of one message: the actor's context plus state replacement and the message's signal. */
export interface MessageContext<P extends Message, R extends ReplyMap<P>, S> extends ActorContext<P, R> {
  /**
   * Aborted when this message's deadline passes, its asker gives up (timeout or
   * cancellation), or the actor is restarted or stopped. Pass it to awaited work.
   */
  readonly signal: AbortSignal;
  /** Replaces the state. Ignored (and logged) when the actor restarted since this message began. */
  setState(next: S): void;
}

/** Handles one request type: returns its typed reply, synchronously or not. */
export type MessageHandler<P extends Message, R extends ReplyMap<P>, S, M extends P> = (
  state: S,
  message: M,
  context: MessageContext<P, R, S>,
) => ReplyOf<P, R, M> | Promise<ReplyOf<P, R, M>>;

/** One handler per member of the protocol: a missing one is a compile error. */
export type MessageHandlers<P extends Message, R extends ReplyMap<P>, S> = {
  readonly [K in P['type']]: MessageHandler<P, R, S, Extract<P, { readonly type: K }>>;
};

/** The declaration of an actor type. */
export interface ActorDefinition<P extends Message, R extends ReplyMap<P>, S> extends DispatchSettings {
  /** Default instance name, and the actor kind in logs. */
  readonly name: string;
  /** Fresh state at start and at every restart; may be async (messages wait until it resolves). */
  readonly initialState: (context: ActorContext<P, R>) => S | Promise<S>;
  /** The behaviour: one handler per request type. */
  readonly receive: MessageHandlers<P, R, S>;
  /** Releases what the state holds; called on stop and before a restart. Errors are logged. */
  readonly onStop?: (state: S, context: ActorContext<P, R>) => void | Promise<void>;
}

/** Options of one spawned instance. */
export interface SpawnOptions extends DispatchSettings {
  /** Instance name, unique among its siblings; defaults to the definition's name. */
  readonly name?: string;
  /** Also registers the actor under this name in the system registry (unregistered on stop). */
  readonly registerAs?: string;
}

/** @internal The part of the system actors see (avoids an import cycle with actor-system.ts). */
export interface ActorSystemFacade {
  readonly name: string;
  readonly registry: ActorRegistry;
}

const ACTOR_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks an actor name (letters, digits, `.`, `_`, `-`; no `/`, which separates paths; nact refuses `:`). */
export function checkActorName(name: string): string {
  if (typeof name !== 'string' || !ACTOR_NAME_PATTERN.test(name)) {
    throw new RangeError(`invalid actor name ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-"`);
  }
  return name;
}

/**
 * Declares an actor type. Checks the settings once so a bad definition fails where it is
 * written, not at its first message.
 */
export function defineActor<P extends Message, R extends ReplyMap<P>, S = undefined>(
  definition: ActorDefinition<P, R, S>,
): ActorDefinition<P, R, S> {
  checkActorName(definition.name);
  checkDispatchSettings(definition);
  return Object.freeze({ ...definition, receive: Object.freeze({ ...definition.receive }) });
}

/** Throws RangeError for out-of-range dispatch settings. */
export function checkDispatchSettings(settings: DispatchSettings): void {
  const { concurrency, mailboxLimit, messageDeadlineMs, supervision } = settings;
  if (concurrency !== undefined && concurrency !== 'serial') {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be 'serial' or an integer >= 1, got ${String(concurrency)}`);
    }
  }
  // Every message passes through the mailbox, so a limit of 0 would refuse everything.
  if (mailboxLimit !== undefined && (!Number.isInteger(mailboxLimit) || mailboxLimit < 1)) {
    throw new RangeError(`mailboxLimit must be an integer >= 1, got ${String(mailboxLimit)}`);
  }
  if (messageDeadlineMs !== undefined && !(messageDeadlineMs > 0)) {
    throw new RangeError(`messageDeadlineMs must be > 0, got ${String(messageDeadlineMs)}`);
  }
  if (supervision !== undefined) {
    const policy = typeof supervision === 'string' ? supervision : supervision.policy;
    if (!Object.values(CrashPolicy).includes(policy)) {
      throw new RangeError(`unknown crash policy ${JSON.stringify(policy)}`);
    }
    const limit = typeof supervision === 'string' ? undefined : supervision.restartLimit;
    if (limit !== undefined && (!(limit.maxRestarts >= 0) || !(limit.withinMs > 0))) {
      throw new RangeError('restartLimit needs maxRestarts >= 0 and withinMs > 0');
    }
  }
}
