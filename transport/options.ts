/**
 * Options of a transport node, their defaults, and the parsing of user input (seed nodes,
 * the pre-shared key). Bad input gives a ValidationError before anything starts.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ValidationError, type NodeId } from '../messages/index.js';
import type { ActorResolver } from './session.js';

/** The default cluster port (`--cluster-port`). */
export const DEFAULT_CLUSTER_PORT = 9580;
/** The default bind address (`--cluster-bind-address`). */
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';
/** The default largest frame accepted from a peer: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The default deadline of a remote ask, dialing included. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** Peer-health timings; the defaults give the bounds documented in docs/TRANSPORT.md. */
export interface HealthOptions {
  /** How often the connection monitor pings each peer (hung-peer detection). Default 2000. */
  readonly pingIntervalMs?: number;
  /** How long a ping may take before the connection is aborted. Default 2000. */
  readonly pingTimeoutMs?: number;
  /** QUIC: a connection with no packets for this long is dead. Default 3000. */
  readonly quicMaxIdleTimeoutMs?: number;
  /** QUIC: keep-alive packet interval. Default 1000. */
  readonly quicKeepAliveMs?: number;
}

/** Options of `createTransportNode`. */
export interface TransportNodeOptions {
  /** Where the peer key lives (same PeerId across restarts). */
  readonly dataDir: string;
  /** This node's id (`orchestrator-<nodeId>` etc. are named after it). */
  readonly nodeId: NodeId | string;
  /** Local actors served to peers. Defaults to serving none (every ask gets UnknownActorError). */
  readonly resolveActor?: ActorResolver;
  /** Bind address (`--cluster-bind-address`), default 0.0.0.0. */
  readonly host?: string;
  /** TCP port and, when QUIC is on, UDP port (`--cluster-port`), default 9580; 0 picks a free one. */
  readonly port?: number;
  /** QUIC listener and dialer. Default: on without a PSK; refused (ValidationError) with a PSK. */
  readonly quic?: boolean;
  /** Seed nodes as `host:port` or multiaddrs (`--seed-nodes`). */
  readonly seedNodes?: readonly string[];
  /** Pre-shared key (libp2p pnet swarm key file contents, as bytes or text) (`--cluster-psk`). */
  readonly psk?: Uint8Array | string;
  /** Path of a swarm key file (`--cluster-psk-file`). */
  readonly pskFile?: string;
  /** Largest frame accepted from a peer; larger ones reset the stream. */
  readonly maxFrameBytes?: number;
  /** Deadline of an ask that gives no `timeoutMs`. */
  readonly defaultCallTimeoutMs?: number;
  /** Shards this node owns, published in its node record. */
  readonly shards?: readonly number[];
  /** Peer-health timings. */
  readonly health?: HealthOptions;
  /** Prometheus registry for the transport metrics; default: a registry of this node's own. */
  readonly metricsRegistry?: Registry;
  /** Structured logger; default: a pino logger at `info`. */
  readonly logger?: Logger;
}

/** Turns `host:port` or a multiaddr string into a multiaddr; throws ValidationError otherwise. */
export function parseSeedNode(seed: string): Multiaddr {
  const text = seed.trim();
  if (text.startsWith('/')) {
    try {
      return multiaddr(text);
    } catch (error) {
      throw new ValidationError(`seed node "${seed}" is not a valid multiaddr`, { cause: error });
    }
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !(port > 0 && port < 65536)) {
    throw new ValidationError(`seed node "${seed}" is neither host:port nor a multiaddr`);
  }
  const ipv6 = match[1];
  const host = match[2] ?? '';
  if (ipv6 !== undefined) return multiaddr(`/ip6/${ipv6}/tcp/${port}`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return multiaddr(`/ip4/${host}/tcp/${port}`);
  return multiaddr(`/dns/${host}/tcp/${port}`);
}

/** Reads the pre-shared key from the options, or returns undefined when the network is open. */
export async function loadPreSharedKey(options: TransportNodeOptions): Promise<Uint8Array | undefined> {
  if (options.psk !== undefined && options.pskFile !== undefined) {
    throw new ValidationError('give either a cluster PSK or a PSK file, not both');
  }
  let key: Uint8Array | undefined;
  if (options.psk !== undefined) {
    key = typeof options.psk === 'string' ? new TextEncoder().encode(options.psk) : options.psk;
  } else if (options.pskFile !== undefined) {
    try {
      key = await readFile(options.pskFile);
    } catch (error) {
      throw new ValidationError(`cannot read the cluster PSK file ${options.pskFile}`, { cause: error });
    }
  }
  if (key === undefined) return undefined;
  // pnet's format: "/key/swarm/psk/1.0.0/\n/base16/\n<64 hex digits>". Check it here for a clear error.
  const lines = new TextDecoder().decode(key).trim().split(/\r?\n/);
  if (
    lines[0] !== '/key/swarm/psk/1.0.0/' ||
    lines[1] !== '/base16/' ||
    !/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '')
  ) {
    throw new ValidationError(
      'the cluster PSK is not a libp2p swarm key ("/key/swarm/psk/1.0.0/", "/base16/", 64 hex digits)',
    );
  }
  // Hand pnet a canonical key (lower-case hex, no trailing newline) whatever the file looked like.
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${(lines[2] ?? '').toLowerCase()}`);
}

/** Generates a new swarm key (the text of a PSK file). */
export function generateSwarmKey(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(bytes).toString('hex')}\n`;
}
