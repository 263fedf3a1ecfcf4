/**
 * The named registry of an actor system: stable names (`orchestrator-<nodeId>`) mapped to
 * refs of any protocol. The transport looks names up to dispatch remote asks, so the
 * lookup is type-erased; `require` gives a typed ref to code that knows the protocol.
 * @module
 */
import { NameConflictError, UnknownActorError, type Message, type ReplyMap } from '../../messages/index.js';
import type { ActorRef } from '../ref.js';

/** A ref of any protocol, as the transport sees it. */
export type AnyActorRef = ActorRef<Message, ReplyMap<Message>>;

/** Names to refs; a name belongs to one ref at a time. */
export interface ActorRegistry {
  /** Registers `ref` under `name`. NameConflictError when another ref holds the name. */
  register<P extends Message, R extends ReplyMap<P>>(name: string, ref: ActorRef<P, R>): void;
  /** The ref registered under `name`, of any protocol. */
  lookup(name: string): AnyActorRef | undefined;
  /**
   * The ref under `name`, typed as the caller's protocol; UnknownActorError when absent.
   * The type is the caller's promise: the registry cannot check a protocol at run time.
   */
  require<P extends Message, R extends ReplyMap<P>>(name: string): ActorRef<P, R>;
  /** Removes `name`; true when it was registered. */
  unregister(name: string): boolean;
  /** All registered names, sorted. */
  names(): string[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,255}$/;

/** @internal The registry implementation; `onRegister` lets the owner unregister on stop. */
export class ActorRegistryImpl implements ActorRegistry {
  private readonly refs = new Map<string, AnyActorRef>();

  constructor(
    /** Throws to refuse a ref (a stopped local actor). */
    private readonly checkRef: (ref: AnyActorRef) => void = () => {},
    /** Told about every new registration (the owner unregisters on stop). */
    private readonly onRegister: (name: string, ref: AnyActorRef) => void = () => {},
  ) {}

  register<P extends Message, R extends ReplyMap<P>>(name: string, ref: ActorRef<P, R>): void {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RangeError(`invalid registry name ${JSON.stringify(name)}`);
    }
    const erased = ref as unknown as AnyActorRef;
    const existing = this.refs.get(name);
    if (existing === erased) return;
    if (existing !== undefined) {
      throw new NameConflictError(`name "${name}" is already registered to actor "${existing.name}"`, {
        details: { name, holder: existing.name, requester: ref.name },
      });
    }
    this.checkRef(erased);
    this.refs.set(name, erased);
    this.onRegister(name, erased);
  }

  lookup(name: string): AnyActorRef | undefined {
    return this.refs.get(name);
  }

  require<P extends Message, R extends ReplyMap<P>>(name: string): ActorRef<P, R> {
    const ref = this.refs.get(name);
    if (ref === undefined) {
      throw new UnknownActorError(`no actor is registered under "${name}"`, { details: { name } });
    }
    return ref as unknown as ActorRef<P, R>;
  }

  unregister(name: string): boolean {
    return this.refs.delete(name);
  }

  /** @internal Removes `name` only while it still maps to `ref`. */
  unregisterIfHeldBy(name: string, ref: AnyActorRef): void {
    if (this.refs.get(name) === ref) this.refs.delete(name);
  }

  names(): string[] {
    return [...this.refs.keys()].sort();
  }

  /** @internal */
  clear(): void {
    this.refs.clear();
  }
}
