/**
 * RemoteActorRef: an `ActorRef` whose actor lives on another node. Same contract as a local
 * ref: `ask` resolves with the typed reply or rejects with AskTimeoutError (the deadline
 * covers resolving and dialing the peer too), CancelledError (AbortSignal), PeerGoneError
 * (unreachable, or the peer went away mid-call), UnknownActorError, or the very error
 * class the remote handler threw.
 * @module
 */
import type { Logger } from 'pino';
import {
  AskTimeoutError,
  CameoError,
  CancelledError,
  PeerGoneError,
  UnknownActorError,
  encodeMessage,
  toCameoError,
  type Message,
  type ReplyMap,
  type ReplyOf,
} from '../messages/index.js';
import type { ActorRef, AskOptions } from '../actors/index.js';
import type { TransportMetrics } from './metrics.js';
import type { AnyActorRef, RpcSession } from './session.js';

/** Which node a remote ref points at: by node id (resolved via hello table, then DHT) or PeerId. */
export type RemoteTarget = { readonly nodeId: string } | { readonly peerId: string };

/** What a remote ref needs from its node. */
export interface SessionProvider {
  /** The open session with the target if there is one now (the fast path: no dial, no promise). */
  readySession(target: RemoteTarget): RpcSession | undefined;
  /** A session with the target; dials within `signal`. */
  sessionFor(target: RemoteTarget, signal: AbortSignal): Promise<RpcSession>;
  /**
   * For a target that is this node: the local actor, or null when no such actor exists.
   * `undefined` when the target is another node.
   */
  localActor(target: RemoteTarget, actorName: string): AnyActorRef | undefined | null;
}

function describe(target: RemoteTarget): string {
  return 'nodeId' in target ? `node ${target.nodeId}` : `peer ${target.peerId}`;
}

/** An ActorRef to a named actor on another node. */
export class RemoteActorRef<P extends Message, R extends ReplyMap<P>> implements ActorRef<P, R> {
  readonly name: string;

  constructor(
    private readonly provider: SessionProvider,
    private readonly target: RemoteTarget,
    actorName: string,
    private readonly defaultTimeoutMs: number,
    private readonly logger: Logger,
    private readonly metrics: TransportMetrics,
  ) {
    this.name = actorName;
  }

  tell(message: P): void {
    const local = this.provider.localActor(this.target, this.name);
    if (local !== undefined) {
      if (local === null)
        this.logger.warn({ target: this.name }, 'dead letter: tell to an unknown local actor');
      else local.tell(message);
      return;
    }
    let payload: Uint8Array;
    try {
      payload = encodeMessage(message);
    } catch (error) {
      this.logger.error({ err: error, target: this.name }, 'tell not sent: the message does not encode');
      return;
    }
    this.provider
      .sessionFor(this.target, AbortSignal.timeout(this.defaultTimeoutMs))
      .then((session) => session.tell(this.name, payload))
      .catch((error: unknown) => {
        this.logger.warn(
          { target: this.name, to: describe(this.target), err: (error as Error).message },
          'dead letter: tell not delivered',
        );
      });
  }

  ask<M extends P>(message: M, options: AskOptions = {}): Promise<ReplyOf<P, R, M>> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const local = this.provider.localActor(this.target, this.name);
    if (local === null) {
      return Promise.reject(new UnknownActorError(`no actor named "${this.name}" on this node`));
    }
    if (local !== undefined)
      return local.ask(message, { ...options, timeoutMs }) as Promise<ReplyOf<P, R, M>>;
    // Captured now so a failure points at the caller, not at the socket callback.
    const callSite = new Error('remote ask');
    return new Promise<ReplyOf<P, R, M>>((resolve, reject) => {
      let settled = false;
      let session: RpcSession | undefined;
      let callId: number | undefined;
      const dialController = new AbortController();
      const started = performance.now();

      const finish = (error: CameoError | undefined, reply?: Message): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.metrics.asks.inc({ outcome: error === undefined ? 'ok' : error.code });
        if (error === undefined || error.code !== AskTimeoutError.code) {
          this.metrics.askSeconds.observe((performance.now() - started) / 1000);
        }
        options.signal?.removeEventListener('abort', onAbort);
        if (error === undefined) {
          resolve(reply as ReplyOf<P, R, M>);
          return;
        }
        if (error.stack !== undefined && callSite.stack !== undefined) {
          error.stack = `${error.stack}\n    --- remote ask from ---\n${callSite.stack.split('\n').slice(1).join('\n')}`;
        }
        reject(error);
      };
      const giveUp = (error: CameoError): void => {
        if (settled) return;
        dialController.abort(error);
        if (session !== undefined && callId !== undefined) session.abandon(callId);
        finish(error);
      };
      const onAbort = (): void =>
        giveUp(new CancelledError(`ask to "${this.name}" on ${describe(this.target)} was cancelled`));

      const timer = setTimeout(
        () =>
          giveUp(
            new AskTimeoutError(
              `ask to "${this.name}" on ${describe(this.target)} timed out after ${timeoutMs} ms`,
              {
                details: { target: this.name, timeoutMs },
              },
            ),
          ),
        timeoutMs,
      );
      if (options.signal?.aborted === true) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });

      let payload: Uint8Array;
      try {
        payload = encodeMessage(message);
      } catch (error) {
        finish(toCameoError(error));
        return;
      }
      const send = (opened: RpcSession): void => {
        session = opened;
        try {
          callId = opened.ask(this.name, payload, timeoutMs - (performance.now() - started), {
            resolve: (reply) => finish(undefined, reply),
            reject: (error) => finish(error),
          });
        } catch (error) {
          finish(toCameoError(error));
        }
      };
      const ready = this.provider.readySession(this.target);
      if (ready !== undefined) {
        send(ready);
        return;
      }
      this.provider.sessionFor(this.target, dialController.signal).then(
        (opened) => {
          if (!settled) send(opened);
        },
        (error: unknown) => {
          if (settled) return;
          finish(
            error instanceof CameoError
              ? error
              : new PeerGoneError(`cannot reach ${describe(this.target)}: ${(error as Error).message}`, {
                  details: { target: this.target },
                  cause: error,
                }),
          );
        },
      );
    });
  }
}
