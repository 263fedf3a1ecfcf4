/**
 * One RPC session: the single long-lived `/cameodb/rpc/1.0.0` stream between this node and
 * one peer, used in both directions. It correlates asks with replies, serves the peer's
 * asks through the actor resolver, coalesces every frame queued in one event-loop turn
 * into one write, and resets the stream on any framing or envelope violation.
 * @module
 */
import type { Stream } from '@libp2p/interface';
import type { Logger } from 'pino';
import { Uint8ArrayList } from 'uint8arraylist';
import {
  EncodeError,
  PeerGoneError,
  UnknownActorError,
  decodeMessage,
  encodeMessage,
  errorFromWire,
  toCameoError,
  type CameoError,
  type Message,
  type WireError,
} from '../messages/index.js';
import type { ActorRef } from '../actors/index.js';
import { FrameKind, decodeEnvelope, encodeEnvelope, type Envelope, type HelloBody } from './envelope.js';
import { FrameDecoder, encodeLengthPrefix } from './framing.js';
import type { TransportMetrics } from './metrics.js';

/** A local actor of any protocol, as the resolver returns it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked by the codec, not the type
export type AnyActorRef = ActorRef<Message, any>;

/** Finds the local actor registered under a name; the node passes its registry's lookup. */
export type ActorResolver = (actorName: string) => AnyActorRef | undefined;

/** How a pending call is settled. */
export interface PendingCall {
  resolve(reply: Message): void;
  reject(error: CameoError): void;
}

/** What a session needs from its node. */
export interface SessionComponents {
  readonly stream: Stream;
  readonly remotePeerId: string;
  readonly maxFrameBytes: number;
  readonly resolveActor: ActorResolver;
  readonly logger: Logger;
  readonly metrics: TransportMetrics;
  /** The hello this node sends first. */
  readonly hello: () => HelloBody;
  /** Called with the peer's hello. */
  readonly onHello: (session: RpcSession, hello: HelloBody) => void;
  /** Called once when the stream is gone, for whatever reason. */
  readonly onClose: (session: RpcSession) => void;
}

/** One long-lived RPC stream with one peer. */
export class RpcSession {
  readonly remotePeerId: string;
  /** The peer's node id, once its hello arrived. */
  remoteNodeId: string | undefined;
  private readonly stream: Stream;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, PendingCall>();
  /** Inbound asks being served, so a Cancel frame can abort them. */
  private readonly serving = new Map<number, AbortController>();
  private outbox = new Uint8ArrayList();
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(private readonly components: SessionComponents) {
    this.stream = components.stream;
    this.remotePeerId = components.remotePeerId;
    this.decoder = new FrameDecoder(components.maxFrameBytes);
    this.stream.addEventListener('message', (event) => this.receive(event.data));
    this.stream.addEventListener('close', (event) => this.handleClose(event.error));
    this.stream.addEventListener('drain', () => this.flush());
    // The peer closed its side (it is stopping): no reply can come any more, so close ours
    // too and fail pending calls now rather than at their deadlines.
    this.stream.addEventListener('remoteCloseWrite', () => {
      void this.close();
    });
    this.enqueue({ kind: FrameKind.Hello, hello: components.hello() });
  }

  /** True while the stream can carry calls. */
  get isOpen(): boolean {
    return !this.closed && this.stream.status === 'open';
  }

  /** Number of calls waiting for a reply. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /** Sends this node's current hello again (membership or shards changed). */
  sendHello(): void {
    if (this.isOpen) this.enqueue({ kind: FrameKind.Hello, hello: this.components.hello() });
  }

  /** Sends an ask and returns its correlation id; `call` is settled by the reply or the stream's end. */
  ask(target: string, payload: Uint8Array, timeoutMs: number, call: PendingCall): number {
    if (!this.isOpen) throw new PeerGoneError(`the session with ${this.remotePeerId} is closed`);
    const id = this.nextId++;
    // Throws EncodeError for a frame above the limit, before anything is queued.
    this.enqueue({ kind: FrameKind.Ask, id, target, timeoutMs: Math.max(1, Math.ceil(timeoutMs)), payload });
    this.pending.set(id, call);
    return id;
  }

  /** Forgets a call the caller gave up on (deadline or cancellation) and tells the peer. */
  abandon(id: number): void {
    if (this.pending.delete(id) && this.isOpen) this.enqueue({ kind: FrameKind.Cancel, id });
  }

  /** Sends a one-way message; throws EncodeError when it is above the frame limit. */
  tell(target: string, payload: Uint8Array): void {
    if (!this.isOpen) throw new PeerGoneError(`the session with ${this.remotePeerId} is closed`);
    this.enqueue({ kind: FrameKind.Tell, target, payload });
  }

  /** Resets the stream and fails every pending call with `reason`. */
  abort(reason: Error): void {
    if (this.stream.status === 'open' || this.stream.status === 'closing') this.stream.abort(reason);
    this.handleClose(reason);
  }

  /** Closes the stream gracefully; pending calls fail with PeerGoneError. */
  async close(): Promise<void> {
    if (this.stream.status === 'open') {
      this.flush();
      await this.stream.close({ signal: AbortSignal.timeout(1000) }).catch((error: unknown) => {
        this.stream.abort(error instanceof Error ? error : new Error(String(error)));
      });
    }
    this.handleClose(undefined);
  }

  /**
   * Queues a frame for the next flush. A frame above the size limit would make the peer
   * reset the stream and fail every call on it, so it is refused here with EncodeError.
   */
  private enqueue(envelope: Envelope): void {
    const body = encodeEnvelope(envelope);
    if (body.byteLength > this.components.maxFrameBytes) {
      throw new EncodeError(
        `frame of ${body.byteLength} bytes exceeds the cluster frame limit of ${this.components.maxFrameBytes}`,
        { details: { bytes: body.byteLength, limit: this.components.maxFrameBytes } },
      );
    }
    this.outbox.append(encodeLengthPrefix(body.byteLength), body);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything queued in this event-loop turn leaves in one write.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.byteLength === 0 || this.closed) return;
    if (this.stream.writableNeedsDrain) return; // resumed by the 'drain' listener
    const batch = this.outbox;
    this.outbox = new Uint8ArrayList();
    try {
      this.stream.send(batch);
    } catch (error) {
      this.abort(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private receive(chunk: Uint8Array | Uint8ArrayList): void {
    if (this.closed) return;
    try {
      for (const frame of this.decoder.push(chunk)) this.dispatch(decodeEnvelope(frame));
    } catch (error) {
      // A protocol violation: this peer's stream is reset, every other session keeps going.
      this.components.logger.warn(
        { peerId: this.remotePeerId, nodeId: this.remoteNodeId, err: (error as Error).message },
        'resetting RPC stream after a protocol violation',
      );
      this.components.metrics.protocolViolations.inc();
      this.abort(error as Error);
    }
  }

  private dispatch(envelope: Envelope): void {
    switch (envelope.kind) {
      case FrameKind.Hello:
        this.remoteNodeId = envelope.hello.nodeId;
        this.components.onHello(this, envelope.hello);
        return;
      case FrameKind.Ask:
        this.serve(envelope.id, envelope.target, envelope.timeoutMs, envelope.payload);
        return;
      case FrameKind.Tell:
        this.serveTell(envelope.target, envelope.payload);
        return;
      case FrameKind.Cancel:
        this.serving.get(envelope.id)?.abort();
        return;
      case FrameKind.Reply:
      case FrameKind.Failure:
        this.settle(envelope.kind, envelope.id, envelope.payload);
        return;
    }
  }

  private settle(
    kind: typeof FrameKind.Reply | typeof FrameKind.Failure,
    id: number,
    payload: Uint8Array,
  ): void {
    const call = this.pending.get(id);
    if (call === undefined) return; // abandoned after its deadline: a late reply is expected, not an error
    this.pending.delete(id);
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      call.reject(toCameoError(error));
      return;
    }
    if (kind === FrameKind.Reply) call.resolve(message);
    else call.reject(errorFromWire(message as unknown as WireError));
  }

  private serve(id: number, target: string, timeoutMs: number, payload: Uint8Array): void {
    const ref = this.components.resolveActor(target);
    if (ref === undefined) {
      this.fail(
        id,
        new UnknownActorError(`no actor named "${target}" on this node`, { details: { target } }),
      );
      return;
    }
    let message: Message;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      this.fail(id, toCameoError(error));
      return;
    }
    const controller = new AbortController();
    this.serving.set(id, controller);
    ref.ask(message, { timeoutMs, signal: controller.signal }).then(
      (reply: Message) => {
        this.serving.delete(id);
        this.components.metrics.served.inc({ outcome: 'ok' });
        if (!this.isOpen) return;
        let bytes: Uint8Array;
        try {
          bytes = encodeMessage(reply);
        } catch (error) {
          this.fail(id, toCameoError(error));
          return;
        }
        try {
          this.enqueue({ kind: FrameKind.Reply, id, payload: bytes });
        } catch (error) {
          this.fail(id, toCameoError(error));
        }
      },
      (error: unknown) => {
        this.serving.delete(id);
        this.fail(id, toCameoError(error));
      },
    );
  }

  private serveTell(target: string, payload: Uint8Array): void {
    const ref = this.components.resolveActor(target);
    if (ref === undefined) {
      this.components.logger.warn(
        { peerId: this.remotePeerId, target },
        'dead letter: tell to an unknown actor',
      );
      return;
    }
    try {
      ref.tell(decodeMessage(payload));
    } catch (error) {
      this.components.logger.warn(
        { peerId: this.remotePeerId, target, err: (error as Error).message },
        'dropped a tell that does not decode',
      );
    }
  }

  private fail(id: number, error: CameoError): void {
    this.components.metrics.served.inc({ outcome: error.code });
    if (!this.isOpen) return;
    try {
      this.enqueue({ kind: FrameKind.Failure, id, payload: encodeMessage(error.toWire()) });
    } catch (encodeFailure) {
      // The error itself does not fit (huge details): send its code and a short message.
      const short = new EncodeError(`${error.code}: ${error.message.slice(0, 500)}`, {
        cause: encodeFailure,
      });
      this.enqueue({ kind: FrameKind.Failure, id, payload: encodeMessage(short.toWire()) });
    }
  }

  private handleClose(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    // One error per call: callers append their own call site to its stack.
    const gone = (): PeerGoneError =>
      new PeerGoneError(`the RPC stream with peer ${this.remotePeerId} closed`, {
        details: { peerId: this.remotePeerId, nodeId: this.remoteNodeId },
        cause: error,
      });
    for (const call of this.pending.values()) call.reject(gone());
    this.pending.clear();
    for (const controller of this.serving.values()) controller.abort();
    this.serving.clear();
    this.components.onClose(this);
  }
}
