/**
 * A ClusterMesh without a network, for tests that need to inject faults the real
 * transport cannot produce on demand (a reply lost after the remote side applied the
 * write, a slow peer). Nodes in one process register with a hub; a remote ask is a direct
 * ask of the target's registered actor, passed through the hub's fault hook.
 */
import type {
  ActorRef,
  ClusterMesh,
  ClusterMeshContext,
  ClusterMeshFactory,
  ClusterPeer,
} from '../../actors/index.js';
import type { ActorResolver, HandoffSettings } from '../../actors/index.js';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../actors/index.js';
import { PeerGoneError, type Message, type ReplyMap } from '../../messages/index.js';
import { until } from './support.js';

/** What the fault hook may do to one remote ask. */
export type Fault =
  | undefined
  /** Deliver the ask, then fail the caller with PeerGoneError as if the reply was lost. */
  | 'lose-reply'
  /** Fail the caller with PeerGoneError without delivering. */
  | 'refuse';

interface HubNode {
  readonly peer: ClusterPeer;
  readonly resolve: ActorResolver;
  readonly joined: Set<(peer: ClusterPeer) => void>;
  readonly lost: Set<(nodeId: string) => void>;
}

/** Connects the loopback meshes of one test. */
export class LoopbackHub {
  /** The started meshes, by node id. */
  readonly nodes = new Map<string, HubNode>();
  /** Decides the fault of each remote ask; none by default. */
  fault: (target: string, actorName: string, message: Message) => Fault = () => undefined;
  /** Remote asks seen, by message type. */
  readonly asks: string[] = [];
  /** `observer->peer` pairs: the observer is not told that the peer joined (a late learner). */
  private readonly hidden = new Set<string>();

  /** Observers that do not learn of the nodes that join from now on. */
  private readonly blind = new Set<string>();

  /** Keeps `observer` from learning of every node that starts from now on, until `reveal`. */
  hideNewcomersFrom(observer: string): void {
    this.blind.add(observer);
  }

  /** Records that a node starting now stays hidden from the blind observers. */
  arrived(nodeId: string): void {
    for (const observer of this.blind) this.hidden.add(`${observer}->${nodeId}`);
  }

  /** Whether `observer` does not see `peer`. */
  hides(observer: string, peer: string): boolean {
    return this.hidden.has(`${observer}->${peer}`);
  }

  /** Tells `observer` that `peer` joined, as the mesh would have done. */
  reveal(observer: string, peer: string): void {
    this.hidden.delete(`${observer}->${peer}`);
    const watcher = this.nodes.get(observer);
    const joined = this.nodes.get(peer);
    if (watcher !== undefined && joined !== undefined)
      for (const listener of watcher.joined) listener(joined.peer);
  }

  /** A factory for startNode's `cluster.createMesh`. */
  factory(): ClusterMeshFactory {
    return async (context) => loopbackMesh(this, context);
  }
}

function loopbackMesh(hub: LoopbackHub, context: ClusterMeshContext): ClusterMesh {
  const self: HubNode = {
    peer: {
      nodeId: context.nodeId,
      peerId: `peer-${context.nodeId}`,
      addresses: [],
      shardCount: context.shardCount,
    },
    resolve: context.resolveActor,
    joined: new Set(),
    lost: new Set(),
  };
  const mesh: ClusterMesh = {
    nodeId: context.nodeId,
    async start() {
      hub.arrived(context.nodeId);
      hub.nodes.set(context.nodeId, self);
      for (const other of hub.nodes.values()) {
        if (other === self) continue;
        if (!hub.hides(other.peer.nodeId, context.nodeId))
          for (const listener of other.joined) listener(self.peer);
        if (!hub.hides(context.nodeId, other.peer.nodeId))
          for (const listener of self.joined) listener(other.peer);
      }
    },
    async stop() {
      if (hub.nodes.get(context.nodeId) !== self) return;
      hub.nodes.delete(context.nodeId);
      for (const other of hub.nodes.values()) for (const listener of other.lost) listener(context.nodeId);
    },
    addresses: () => [],
    peers: () =>
      [...hub.nodes.values()]
        .filter((node) => node !== self && !hub.hides(context.nodeId, node.peer.nodeId))
        .map((node) => node.peer),
    onPeerJoined(listener) {
      self.joined.add(listener);
      return () => self.joined.delete(listener);
    },
    onPeerLost(listener) {
      self.lost.add(listener);
      return () => self.lost.delete(listener);
    },
    dial: async () => undefined,
    remoteRef<P extends Message, R extends ReplyMap<P>>(nodeId: string, actorName: string): ActorRef<P, R> {
      const target = (): ActorRef<P, R> => {
        const actor = hub.nodes.get(nodeId)?.resolve(actorName);
        if (actor === undefined) throw new PeerGoneError(`loopback: ${nodeId}/${actorName} is not reachable`);
        return actor as unknown as ActorRef<P, R>;
      };
      return {
        name: `${nodeId}/${actorName}`,
        tell: (message) => target().tell(message),
        async ask(message, options) {
          hub.asks.push(message.type);
          const fault = hub.fault(nodeId, actorName, message);
          if (fault === 'refuse') throw new PeerGoneError(`loopback: refused ${message.type} to ${nodeId}`);
          const reply = await target().ask(message, options);
          if (fault === 'lose-reply') throw new PeerGoneError(`loopback: reply of ${message.type} lost`);
          return reply;
        },
      };
    },
  };
  return mesh;
}

/**
 * Starts test node `index` on `hub` with its data in `<root>/node-<index>` (the same
 * directory, hence the same identity, when started again): 2 shards, 1 reader thread,
 * quick retries.
 */
export function startLoopbackNode(
  hub: LoopbackHub,
  root: string,
  index: number,
  options: { name: string; maxAttempts?: number; handoff?: HandoffSettings },
): Promise<RunningNode> {
  return startNode({
    dataPaths: [join(root, `node-${index}`)],
    shards: 2,
    nodeName: `${options.name}-${index}`,
    logger: pino({ level: 'silent' }),
    readerThreads: 1,
    cluster: {
      createMesh: hub.factory(),
      seeds: [],
      retryBackoffMs: 5,
      peerTimeoutMs: 2_000,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      ...(options.handoff === undefined ? {} : { handoff: options.handoff }),
    },
  });
}

/** The node ids on `node`'s ring, sorted. */
export async function ringMembersOf(node: RunningNode): Promise<string[]> {
  const ring = await node.cluster!.coordinator.ask({ type: 'GetRing' });
  return ring.members.map((member) => member.nodeId).sort();
}

/** A node's id. */
export const idOf = (node: RunningNode): string => node.identity.nodeId;

/** The node that owns `key` by `node`'s ring (which may be out of date). */
export async function ownerBy(node: RunningNode, key: string): Promise<string> {
  const decision = await node.cluster!.coordinator.ask({
    type: 'RouteOperation',
    scope: 'keyed',
    index: '',
    routingKey: key,
  });
  if (decision.route === 'Broadcast') throw new Error('keyed decision was Broadcast');
  return decision.route === 'Local' ? idOf(node) : decision.nodeId;
}

/**
 * Three nodes on `hub` where node 0 never learns of node 2 (its ring stays the old one)
 * while nodes 1 and 2 know all three: the setting of a write routed with a stale ring.
 * `seedIndex` gets one document first, so every node has its schema.
 */
export async function startStaleRingMesh(
  hub: LoopbackHub,
  root: string,
  options: { name: string; handoff?: HandoffSettings },
  seedIndex: string,
): Promise<RunningNode[]> {
  const nodes = [
    await startLoopbackNode(hub, root, 0, options),
    await startLoopbackNode(hub, root, 1, options),
  ];
  await nodes[0]!.router.ask({ type: 'Write', index: seedIndex, id: 'seed', doc: { title: 'seed', n: 0 } });
  hub.hideNewcomersFrom(idOf(nodes[0]!));
  nodes.push(await startLoopbackNode(hub, root, 2, options));
  await until(async () => (await ringMembersOf(nodes[1]!)).length === 3);
  await until(async () => (await ringMembersOf(nodes[2]!)).length === 3);
  return nodes;
}
