/**
 * One message being handled: the handler's MessageContext, the deadline node of the
 * actor's per-message deadline, and the link that tells the handler (through `signal`)
 * when its asker gave up. Exactly one of succeed, fail or expire settles it.
 * @module
 */
import { isCrash } from './crash-rule.js';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  ActorStoppedError,
  AskTimeoutError,
  type CancelledError,
  type Message,
  type ReplyMap,
} from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import type { ActorCell } from './actor-cell.js';
import type { ActorDefinition, ActorSystemFacade, MessageContext, SpawnOptions } from './actor-definition.js';
import { DeadlineNode } from './deadline-timers.js';
import { AskFailure, type AskObserver, type PendingAsk } from './pending-ask.js';

/** @internal */
export class RunningMessage<P extends Message, R extends ReplyMap<P>, S>
  extends DeadlineNode
  implements MessageContext<P, R, S>, AskObserver
{
  private settled = false;
  private controller: AbortController | null = null;
  private readonly startedAt = performance.now();

  constructor(
    private readonly cell: ActorCell<P, R, S>,
    readonly message: Message,
    readonly ask: PendingAsk | null,
    readonly generation: number,
  ) {
    super();
  }

  get self(): ActorRef<P, R> {
    return this.cell.ref;
  }
  get path(): string {
    return this.cell.path;
  }
  get logger(): Logger {
    return this.cell.logger;
  }
  get system(): ActorSystemFacade {
    return this.cell.host.facade;
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      // Created lazily: most handlers never look at it.
      if (this.ask?.settled === true && this.ask.failure !== AskFailure.HandlerError) {
        this.controller.abort(this.ask.toError());
      } else if (this.generation !== this.cell.generation || this.cell.isStopping()) {
        this.controller.abort(new ActorStoppedError(`actor "${this.cell.path}" restarted or stopped`));
      }
    }
    return this.controller.signal;
  }

  spawn<CP extends Message, CR extends ReplyMap<CP>, CS>(
    definition: ActorDefinition<CP, CR, CS>,
    options?: SpawnOptions,
  ): ActorRef<CP, CR> {
    return this.cell.spawnChild(definition, options);
  }

  stopChild<CP extends Message, CR extends ReplyMap<CP>>(child: ActorRef<CP, CR>): Promise<void> {
    return this.cell.stopChild(child);
  }

  setState(next: S): void {
    if (this.generation !== this.cell.generation) {
      this.cell.logger.debug(
        { messageType: this.message.type },
        'state update of a restarted incarnation ignored',
      );
      return;
    }
    this.cell.state = next;
  }

  /** The asker gave up: tell the handler through its signal. */
  askAbandoned(reason: CancelledError | AskTimeoutError): void {
    this.abort(reason);
  }

  /** Aborts the signal (restart, stop, deadline, abandoned ask). */
  abort(reason: unknown): void {
    if (this.controller !== null && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The handler returned `value`. */
  succeed(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cell.messageSettled(this, performance.now() - this.startedAt, true);
    this.ask?.reply(value);
  }

  /** The handler threw or rejected. */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cell.messageSettled(this, performance.now() - this.startedAt, false);
    this.ask?.fail(AskFailure.HandlerError, error);
    // A handler that gave up because its own signal fired (asker gone, restart) did not crash.
    const signal = this.controller?.signal;
    if (signal?.aborted === true && error === signal.reason) {
      this.cell.logger.debug({ messageType: this.message.type }, 'handler stopped on its abort signal');
      return;
    }
    if (!isCrash(error)) {
      this.cell.logger.debug(
        { messageType: this.message.type, code: (error as { code?: string }).code },
        'handler answered with an error',
      );
      return;
    }
    this.cell.crashed(error, this);
  }

  /** The actor stops and will not wait for this handler any longer. */
  abandon(): void {
    if (this.settled) return;
    this.settled = true;
    const error = new ActorStoppedError(
      `actor "${this.cell.path}" stopped while handling "${this.message.type}"`,
    );
    this.abort(error);
    this.cell.messageSettled(this, performance.now() - this.startedAt, false);
    this.ask?.fail(AskFailure.Stopped);
  }

  /** The per-message deadline passed: the handler is abandoned, not awaited. */
  override expire(): void {
    if (this.settled) return;
    this.settled = true;
    const elapsed = performance.now() - this.startedAt;
    const error = new AskTimeoutError(
      `actor "${this.cell.path}" did not finish "${this.message.type}" within ${this.cell.messageDeadlineMs} ms`,
      {
        details: {
          actor: this.cell.path,
          messageType: this.message.type,
          deadlineMs: this.cell.messageDeadlineMs,
        },
      },
    );
    this.abort(error);
    this.cell.messageSettled(this, elapsed, false);
    this.ask?.fail(AskFailure.HandlerDeadline, error);
    this.cell.crashed(error, this);
  }
}
