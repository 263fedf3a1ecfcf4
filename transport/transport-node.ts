/**
 * The transport node: a libp2p host plus the RPC adapter that lets named actors be asked
 * from other nodes. It keeps the table of peers it has a session with (learnt from their
 * hello frames), gossips that table so every node dials every other (mesh discovery
 * through one seed), publishes its signed node record in the Kad-DHT, and reports
 * `peer:joined` / `peer:lost`.
 * @module
 */
import './polyfills.js';
import type { Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  PeerGoneError,
  ValidationError,
  nodeId as toNodeId,
  type Message,
  type NodeId,
  type ReplyMap,
} from '../messages/index.js';
import type { ActorRef } from '../actors/index.js';
import type { HelloBody } from './envelope.js';
import { createHost, type Host } from './host.js';
import { loadOrCreatePrivateKey } from './identity.js';
import { TransportMetrics, createMetricsRegistry } from './metrics.js';
import { nodeRecordKey, openNodeRecord, signNodeRecord, type NodeRecord } from './node-record.js';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CLUSTER_PORT,
  DEFAULT_MAX_FRAME_BYTES,
  loadPreSharedKey,
  parseSeedNode,
  type TransportNodeOptions,
} from './options.js';
import { RemoteActorRef, type RemoteTarget, type SessionProvider } from './remote-ref.js';
import { RpcSession, type ActorResolver, type AnyActorRef } from './session.js';

/** The RPC protocol id; the version is part of it. */
export const RPC_PROTOCOL = '/cameodb/rpc/1.0.0';

/** A peer as the peer events report it. */
export interface PeerEvent {
  readonly nodeId: NodeId;
  readonly peerId: string;
}

/** The typed events of a transport node. */
export interface TransportEvents {
  /** A peer completed its hello: it can be asked by node id. */
  'peer:joined': PeerEvent;
  /** The last connection to a peer closed (killed, hung and detected, or stopped). */
  'peer:lost': PeerEvent;
}

/** The public face of a transport node. */
export interface TransportNode {
  /** This node's id. */
  readonly nodeId: NodeId;
  /** This node's PeerId, stable across restarts with the same data directory. */
  readonly peerId: string;
  /** Prometheus metrics (`node.metrics.registry.metrics()` gives the text format). */
  readonly metrics: TransportMetrics;
  /** The underlying libp2p host (for diagnostics and tests; do not reconfigure it). */
  readonly libp2p: Host;
  /** Starts listening, dials the seeds and publishes the node record. */
  start(): Promise<void>;
  /** Closes every session (pending calls fail with PeerGoneError) and stops the host. */
  stop(): Promise<void>;
  /** The addresses peers can dial, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[];
  /** The peers with an open session and a completed hello. */
  peers(): NodeRecord[];
  /** A ref to the actor `actorName` on the target node, with the local ask/tell contract. */
  remoteRef<P extends Message, R extends ReplyMap<P>>(
    target: RemoteTarget,
    actorName: string,
  ): ActorRef<P, R>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof TransportEvents>(type: K, listener: (event: TransportEvents[K]) => void): () => void;
  /** Replaces the shards advertised in hello frames and the node record. */
  setShards(shards: readonly number[]): Promise<void>;
  /** Publishes this node's signed record in the DHT (done at start and on membership changes). */
  publishRecord(options?: { signal?: AbortSignal }): Promise<void>;
  /** Reads a node's record from the DHT only (not from the session table). */
  lookupNodeRecord(nodeId: string, options?: { signal?: AbortSignal }): Promise<NodeRecord | undefined>;
  /** Dials an address (seed or peer); resolves once connected. */
  dial(address: string | Multiaddr, options?: { signal?: AbortSignal }): Promise<void>;
}

const noActors: ActorResolver = () => undefined;

/**
 * libp2p 3.3.11's AddressManager debounces a peer-store update (1 s timer) on
 * 'transport:close' and never cancels it, so a stopped node keeps its process alive for a
 * second (jest then reports that it did not exit). Cancel that timer; the shape is checked
 * at run time, so a libp2p without this internal is left alone.
 */
function cancelAddressManagerDebounce(host: Host): void {
  type Internals = { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?: unknown } } } };
  const debounced = (host as unknown as Internals).components?.addressManager?._updatePeerStoreAddresses;
  if (typeof debounced?.stop === 'function') (debounced.stop as () => void)();
}

/** How often seeds are re-dialled while alone, and sessions re-opened to connected peers without one. */
const MAINTENANCE_INTERVAL_MS = 2000;
/** Debounce of DHT record publication after membership changes. */
const PUBLISH_DEBOUNCE_MS = 500;

/** Creates a transport node (not started). Throws ValidationError for bad options. */
export async function createTransportNode(options: TransportNodeOptions): Promise<TransportNode> {
  const id = toNodeId(options.nodeId);
  const psk = await loadPreSharedKey(options);
  if (psk !== undefined && options.quic === true) {
    throw new ValidationError(
      'QUIC cannot be used with a cluster PSK: libp2p pnet protects TCP only, so QUIC would let nodes without the key in',
    );
  }
  const port = options.port ?? DEFAULT_CLUSTER_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ValidationError(`invalid cluster port ${port}`);
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1024) {
    throw new ValidationError(`maxFrameBytes must be an integer >= 1024, got ${maxFrameBytes}`);
  }
  const seeds = (options.seedNodes ?? []).map(parseSeedNode);
  const privateKey = await loadOrCreatePrivateKey(options.dataDir);
  const health = options.health ?? {};
  const host = await createHost({
    privateKey,
    host: options.host ?? DEFAULT_BIND_ADDRESS,
    port,
    quic: options.quic ?? psk === undefined,
    psk,
    pingIntervalMs: health.pingIntervalMs ?? 2000,
    pingTimeoutMs: health.pingTimeoutMs ?? 2000,
    quicMaxIdleTimeoutMs: health.quicMaxIdleTimeoutMs ?? 3000,
    quicKeepAliveMs: health.quicKeepAliveMs ?? 1000,
  });
  return new TransportNodeImpl(id, host, seeds, {
    privateKey,
    metricsRegistry: options.metricsRegistry ?? createMetricsRegistry(),
    logger: options.logger ?? pino({ name: 'transport', level: process.env['LOG_LEVEL'] ?? 'info' }),
    resolveActor: options.resolveActor ?? noActors,
    maxFrameBytes,
    defaultCallTimeoutMs: options.defaultCallTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    shards: options.shards ?? [],
  });
}

interface NodeSettings {
  readonly privateKey: PrivateKey;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  readonly resolveActor: ActorResolver;
  readonly maxFrameBytes: number;
  readonly defaultCallTimeoutMs: number;
  readonly shards: readonly number[];
}

interface KnownPeer {
  readonly nodeId: NodeId;
  readonly addresses: readonly string[];
  readonly shards: readonly number[];
  /** When its latest hello arrived. */
  readonly updatedAt: number;
}

class TransportNodeImpl implements TransportNode, SessionProvider {
  readonly nodeId: NodeId;
  readonly peerId: string;
  readonly libp2p: Host;
  readonly metrics: TransportMetrics;
  private readonly logger: Logger;
  private readonly settings: NodeSettings;
  private shards: readonly number[];
  /** Open sessions by peer id; the first one opened is used for outgoing calls. */
  private readonly sessions = new Map<string, RpcSession[]>();
  /** Session openings in flight, so concurrent callers share one dial. */
  private readonly opening = new Map<string, Promise<RpcSession>>();
  /** Peers that said hello, by peer id. */
  private readonly known = new Map<string, KnownPeer>();
  private readonly listeners = new Map<keyof TransportEvents, Set<(event: PeerEvent) => void>>();
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly stopController = new AbortController();

  constructor(
    id: NodeId,
    host: Host,
    private readonly seeds: readonly Multiaddr[],
    settings: NodeSettings,
  ) {
    this.nodeId = id;
    this.libp2p = host;
    this.peerId = host.peerId.toString();
    this.settings = settings;
    this.shards = settings.shards;
    this.logger = settings.logger.child({ nodeId: id, peerId: this.peerId });
    this.metrics = new TransportMetrics(settings.metricsRegistry, {
      sessions: () => [...this.sessions.values()].reduce((sum, list) => sum + list.length, 0),
      peers: () => this.known.size,
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.libp2p.handle(RPC_PROTOCOL, (stream, connection) => this.acceptSession(stream, connection), {
      maxInboundStreams: 8,
    });
    this.libp2p.addEventListener('peer:connect', this.onPeerConnect);
    this.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect);
    this.libp2p.addEventListener('peer:discovery', this.onPeerDiscovery);
    await this.libp2p.start();
    this.logger.info({ addresses: this.multiaddrs() }, 'transport node started');
    this.maintain();
    this.schedulePublish();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopController.abort();
    clearTimeout(this.maintenanceTimer);
    clearTimeout(this.publishTimer);
    this.libp2p.removeEventListener('peer:connect', this.onPeerConnect);
    this.libp2p.removeEventListener('peer:discovery', this.onPeerDiscovery);
    const all = [...this.sessions.values()].flat();
    await Promise.all(all.map((session) => session.close()));
    await this.libp2p.stop();
    cancelAddressManagerDebounce(this.libp2p);
    this.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect);
    this.logger.info('transport node stopped');
  }

  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((address) => address.toString());
  }

  peers(): NodeRecord[] {
    return [...this.known.entries()].map(([peerId, peer]) => ({
      nodeId: peer.nodeId,
      peerId,
      addresses: peer.addresses,
      shards: peer.shards,
      updatedAt: peer.updatedAt,
    }));
  }

  remoteRef<P extends Message, R extends ReplyMap<P>>(
    target: RemoteTarget,
    actorName: string,
  ): ActorRef<P, R> {
    return new RemoteActorRef<P, R>(
      this,
      target,
      actorName,
      this.settings.defaultCallTimeoutMs,
      this.logger,
      this.metrics,
    );
  }

  on<K extends keyof TransportEvents>(type: K, listener: (event: TransportEvents[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  async setShards(shards: readonly number[]): Promise<void> {
    this.shards = [...shards];
    this.broadcastHello();
    await this.publishRecord();
  }

  async publishRecord(options: { signal?: AbortSignal } = {}): Promise<void> {
    const record: NodeRecord = {
      nodeId: this.nodeId,
      peerId: this.peerId,
      addresses: this.multiaddrs(),
      shards: this.shards,
      updatedAt: Date.now(),
    };
    const value = await signNodeRecord(record, this.settings.privateKey);
    const signal =
      options.signal ?? AbortSignal.any([this.stopController.signal, AbortSignal.timeout(10_000)]);
    for await (const event of this.libp2p.services.dht.put(nodeRecordKey(this.nodeId), value, { signal })) {
      void event; // drain the query; its events are progress only
    }
  }

  async lookupNodeRecord(
    nodeId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<NodeRecord | undefined> {
    const signal = options.signal ?? AbortSignal.any([this.stopController.signal, AbortSignal.timeout(5000)]);
    let found: NodeRecord | undefined;
    for await (const event of this.libp2p.services.dht.get(nodeRecordKey(nodeId), { signal })) {
      if (event.name !== 'VALUE') continue;
      const record = await openNodeRecord(event.value);
      if (found === undefined || record.updatedAt > found.updatedAt) found = record;
    }
    return found;
  }

  async dial(address: string | Multiaddr, options: { signal?: AbortSignal } = {}): Promise<void> {
    const target = typeof address === 'string' ? multiaddr(address) : address;
    await this.libp2p.dial(target, { signal: options.signal ?? AbortSignal.timeout(5000) });
  }

  /** SessionProvider: the open session with the target, if any, without waiting. */
  readySession(target: RemoteTarget): RpcSession | undefined {
    if ('peerId' in target) return this.openSession(target.peerId);
    for (const [peerId, peer] of this.known)
      if (peer.nodeId === target.nodeId) return this.openSession(peerId);
    return undefined;
  }

  /** SessionProvider: a session with the target, dialing (within `signal`) if needed. */
  async sessionFor(target: RemoteTarget, signal: AbortSignal): Promise<RpcSession> {
    const peerId = 'peerId' in target ? target.peerId : await this.resolvePeerId(target.nodeId, signal);
    const existing = this.openSession(peerId);
    if (existing !== undefined) return existing;
    let opening = this.opening.get(peerId);
    if (opening === undefined) {
      opening = this.openOutboundSession(peerId, signal).finally(() => this.opening.delete(peerId));
      this.opening.set(peerId, opening);
    }
    return opening;
  }

  /** SessionProvider: the local resolver, for refs that target this very node. */
  localActor(target: RemoteTarget, actorName: string): AnyActorRef | undefined | null {
    const self = 'peerId' in target ? target.peerId === this.peerId : target.nodeId === this.nodeId;
    return self ? (this.settings.resolveActor(actorName) ?? null) : undefined;
  }

  private async resolvePeerId(nodeId: string, signal: AbortSignal): Promise<string> {
    for (const [peerId, peer] of this.known) if (peer.nodeId === nodeId) return peerId;
    const record = await this.lookupNodeRecord(nodeId, { signal }).catch((error: unknown) => {
      throw new PeerGoneError(`node "${nodeId}" is unknown and its DHT lookup failed`, {
        details: { nodeId },
        cause: error,
      });
    });
    if (record === undefined) {
      throw new PeerGoneError(`node "${nodeId}" is not known to this node nor in the DHT`, {
        details: { nodeId },
      });
    }
    const addresses = record.addresses.map((address) => this.withPeerId(address, record.peerId));
    await this.libp2p.dial(addresses, { signal });
    return record.peerId;
  }

  private withPeerId(address: string, peerId: string): Multiaddr {
    const value = multiaddr(address);
    return value.getComponents().some((component) => component.name === 'p2p')
      ? value
      : value.encapsulate(`/p2p/${peerId}`);
  }

  private openSession(peerId: string): RpcSession | undefined {
    return this.sessions.get(peerId)?.find((session) => session.isOpen);
  }

  private async openOutboundSession(peerId: string, signal: AbortSignal): Promise<RpcSession> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), RPC_PROTOCOL, { signal });
    return this.addSession(stream, peerId);
  }

  private acceptSession(stream: Stream, connection: Connection): void {
    if (!this.running) {
      stream.abort(new Error('node is stopping'));
      return;
    }
    this.addSession(stream, connection.remotePeer.toString());
  }

  private addSession(stream: Stream, peerId: string): RpcSession {
    const session = new RpcSession({
      stream,
      remotePeerId: peerId,
      maxFrameBytes: this.settings.maxFrameBytes,
      resolveActor: this.settings.resolveActor,
      logger: this.logger,
      metrics: this.metrics,
      hello: () => this.hello(),
      onHello: (from, hello) => this.onHello(from, hello),
      onClose: (closed) => this.removeSession(closed),
    });
    this.logger.debug({ peer: peerId, direction: stream.direction }, 'RPC session opened');
    const list = this.sessions.get(peerId) ?? [];
    list.push(session);
    this.sessions.set(peerId, list);
    return session;
  }

  private removeSession(session: RpcSession): void {
    this.logger.debug({ peer: session.remotePeerId }, 'RPC session closed');
    const list = this.sessions.get(session.remotePeerId);
    if (list === undefined) return;
    const rest = list.filter((other) => other !== session);
    if (rest.length > 0) this.sessions.set(session.remotePeerId, rest);
    else this.sessions.delete(session.remotePeerId);
  }

  private hello(): HelloBody {
    return {
      nodeId: this.nodeId,
      shards: this.shards,
      addresses: this.multiaddrs(),
      peers: [...this.known.entries()].map(([peerId, peer]) => ({ peerId, addresses: peer.addresses })),
    };
  }

  private broadcastHello(): void {
    for (const list of this.sessions.values())
      for (const session of list) if (session.isOpen) session.sendHello();
  }

  private onHello(session: RpcSession, hello: HelloBody): void {
    let nodeIdValue: NodeId;
    try {
      nodeIdValue = toNodeId(hello.nodeId);
    } catch (error) {
      session.abort(error as Error);
      return;
    }
    for (const [otherPeerId, other] of this.known) {
      if (other.nodeId === nodeIdValue && otherPeerId !== session.remotePeerId) {
        this.logger.warn(
          { nodeId: nodeIdValue, peerIds: [otherPeerId, session.remotePeerId] },
          'two peers claim the same node id; asks by node id go to the first',
        );
      }
    }
    const before = this.known.get(session.remotePeerId);
    const changed =
      before === undefined ||
      before.nodeId !== nodeIdValue ||
      before.addresses.join() !== hello.addresses.join() ||
      before.shards.join() !== hello.shards.join();
    this.known.set(session.remotePeerId, {
      nodeId: nodeIdValue,
      addresses: hello.addresses,
      shards: hello.shards,
      updatedAt: Date.now(),
    });
    for (const peer of hello.peers) this.maybeDial(peer.peerId, peer.addresses);
    if (before === undefined) {
      this.logger.info({ peer: { nodeId: nodeIdValue, peerId: session.remotePeerId } }, 'peer joined');
      this.emit('peer:joined', { nodeId: nodeIdValue, peerId: session.remotePeerId });
    }
    if (changed) {
      this.broadcastHello();
      this.schedulePublish();
    }
  }

  private maybeDial(peerId: string, addresses: readonly string[]): void {
    if (!this.running || peerId === this.peerId || addresses.length === 0) return;
    if (this.libp2p.getConnections(peerIdFromString(peerId)).length > 0) return;
    const targets = addresses.map((address) => this.withPeerId(address, peerId));
    this.libp2p
      .dial(targets, { signal: AbortSignal.any([this.stopController.signal, AbortSignal.timeout(5000)]) })
      .catch((error: unknown) => {
        if (this.running)
          this.logger.debug({ peer: peerId, err: (error as Error).message }, 'gossiped peer dial failed');
      });
  }

  private readonly onPeerConnect = (event: CustomEvent<PeerId>): void => {
    const peerId = event.detail.toString();
    this.logger.debug({ peer: peerId }, 'peer connected');
    // The side with the smaller PeerId opens the session, so a pair normally shares one stream.
    if (peerId <= this.peerId || this.openSession(peerId) !== undefined) return;
    this.sessionFor(
      { peerId },
      AbortSignal.any([this.stopController.signal, AbortSignal.timeout(5000)]),
    ).catch((error: unknown) => {
      if (this.running)
        this.logger.debug({ peer: peerId, err: (error as Error).message }, 'RPC session not opened');
    });
  };

  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    const peerId = event.detail.toString();
    this.logger.debug({ peer: peerId }, 'peer disconnected');
    for (const session of this.sessions.get(peerId) ?? []) {
      session.abort(new PeerGoneError(`peer ${peerId} disconnected`, { details: { peerId } }));
    }
    const peer = this.known.get(peerId);
    if (peer === undefined) return;
    this.known.delete(peerId);
    if (!this.running) return; // this node is stopping: its peers are not lost
    this.logger.info({ peer: { nodeId: peer.nodeId, peerId } }, 'peer lost');
    this.emit('peer:lost', { nodeId: peer.nodeId, peerId });
  };

  private readonly onPeerDiscovery = (event: CustomEvent<{ id: PeerId; multiaddrs: Multiaddr[] }>): void => {
    const { id, multiaddrs } = event.detail;
    this.maybeDial(
      id.toString(),
      multiaddrs.map((address) => address.toString()),
    );
  };

  /** Periodic upkeep: re-dial the seeds while alone, and open a session to any connected peer without one. */
  private maintain(): void {
    if (!this.running) return;
    this.dialSeeds();
    for (const peer of this.libp2p.getPeers()) {
      const peerId = peer.toString();
      if (this.openSession(peerId) !== undefined || this.opening.has(peerId)) continue;
      this.sessionFor(
        { peerId },
        AbortSignal.any([this.stopController.signal, AbortSignal.timeout(5000)]),
      ).catch((error: unknown) => {
        if (this.running)
          this.logger.debug({ peer: peerId, err: (error as Error).message }, 'RPC session not opened');
      });
    }
    this.maintenanceTimer = setTimeout(() => this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
  }

  private dialSeeds(): void {
    if (this.seeds.length === 0) return;
    const connected = this.libp2p.getConnections().length > 0;
    if (!connected) {
      for (const seed of this.seeds) {
        this.libp2p
          .dial(seed, {
            signal: AbortSignal.any([
              this.stopController.signal,
              AbortSignal.timeout(MAINTENANCE_INTERVAL_MS),
            ]),
          })
          .catch((error: unknown) => {
            if (this.running)
              this.logger.warn({ seed: seed.toString(), err: (error as Error).message }, 'seed dial failed');
          });
      }
    }
  }

  private schedulePublish(): void {
    if (!this.running) return;
    clearTimeout(this.publishTimer);
    this.publishTimer = setTimeout(() => {
      this.publishRecord().catch((error: unknown) => {
        if (this.running) this.logger.warn({ err: (error as Error).message }, 'node record not published');
      });
    }, PUBLISH_DEBOUNCE_MS);
    this.publishTimer.unref();
  }

  private emit<K extends keyof TransportEvents>(type: K, event: TransportEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: type }, 'peer event listener threw');
      }
    }
  }
}
