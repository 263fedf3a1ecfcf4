/**
 * What the cluster's actors need from the mesh, as an interface: actors/ must not import
 * transport/, so the node is given an implementation (apps/server wraps the libp2p
 * TransportNode; tests may wrap anything with the same contract).
 * @module
 */
import type { Message, ReplyMap } from '../../messages/index.js';
import type { ActorRef } from '../ref.js';
import type { ActorResolver } from './actor-resolver.js';

/** A peer the mesh has a session with. */
export interface ClusterPeer {
  readonly nodeId: string;
  readonly peerId: string;
  readonly addresses: readonly string[];
  /** Shards the peer serves (its hello/record advertises them). */
  readonly shardCount: number;
}

/** The mesh as the coordinator and the router use it. */
export interface ClusterMesh {
  /** This node's id (the same as its NodeIdentity's). */
  readonly nodeId: string;
  /** Starts listening and dials the seeds. */
  start(): Promise<void>;
  /** Leaves the mesh: pending remote asks fail with PeerGoneError. */
  stop(): Promise<void>;
  /** The addresses peers can dial. */
  addresses(): string[];
  /** The peers with an open session now. */
  peers(): ClusterPeer[];
  /** Subscribes to peers completing their handshake; returns the unsubscribe function. */
  onPeerJoined(listener: (peer: ClusterPeer) => void): () => void;
  /** Subscribes to peers lost (killed, hung, stopped); returns the unsubscribe function. */
  onPeerLost(listener: (nodeId: string) => void): () => void;
  /** Dials an address (a remembered member's); resolves once connected. */
  dial(address: string): Promise<void>;
  /** A ref to actor `actorName` on node `nodeId`, with the local ref's ask/tell contract. */
  remoteRef<P extends Message, R extends ReplyMap<P>>(nodeId: string, actorName: string): ActorRef<P, R>;
}

/** What a mesh implementation is built from when a node starts. */
export interface ClusterMeshContext {
  readonly nodeId: string;
  readonly shardCount: number;
  /** The first data path (the mesh keeps its peer key there). */
  readonly dataPath: string;
  /** Seed nodes to dial (host:port or multiaddrs). */
  readonly seeds: readonly string[];
  /** The node's named actors, served to peers. */
  readonly resolveActor: ActorResolver;
}

/** Builds the mesh of a starting node (not started yet). */
export type ClusterMeshFactory = (context: ClusterMeshContext) => Promise<ClusterMesh>;
