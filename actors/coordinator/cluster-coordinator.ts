/**
 * ClusterCoordinator: this node's view of the cluster. It keeps the ring's members (sticky,
 * persisted: a node that is down keeps its virtual nodes, so its keys get 503 naming it
 * instead of silently landing elsewhere), their health from the mesh's peer events, and the
 * consistent-hash ring rebuilt when a member joins for the first time. It answers routing
 * decisions, and it serialises the schema changes of the indexes whose key `schema:<index>`
 * this node owns on the ring, installing each result on every live node before replying.
 * When a peer joins it pulls that peer's members (a node that missed a member learns it)
 * and schemas (a node that joins later learns every index). When the ring changes it runs
 * the rebalancing handoff (handoff.ts) and keeps track of the peers that announced theirs,
 * so routers know where not-yet-moved documents may still be. Registered `coordinator-<nodeId>`.
 * @module
 */
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import {
  CameoError,
  IndexNotFoundError,
  MemberUpError,
  PeerGoneError,
  ValidationError,
  type ChangeSchema,
  type ClusterStatus,
  type CoordinatorClusterReplies,
  type CoordinatorClusterRequest,
  type CoordinatorReplies,
  type CoordinatorRequest,
  type DecommissionMember,
  type IndexSchema,
  type PeerInfo,
  type RemoveMember,
  type RouteDecision,
  type SchemaChanged,
} from '../../messages/index.js';
import { checkCompatible, evolveSchema } from '../../storage/index.js';
import type { OrchestratorReplies, OrchestratorRequest } from '../orchestrator/node-orchestrator.js';
import type { ActorRef } from '../ref.js';
import { CrashPolicy, defineActor, type ActorDefinition, type MessageContext } from '../runtime/index.js';
import type { ClusterMesh } from './cluster-mesh.js';
import { Handoff, type HandoffSettings } from './handoff.js';
import { HashRing, VIRTUAL_NODES_PER_NODE } from './hash-ring.js';
import { KeyedLock } from './keyed-lock.js';
import { readMembership, writeMembers } from './membership-file.js';

/** Every message the ClusterCoordinator accepts. */
export type ClusterCoordinatorRequest = CoordinatorRequest | CoordinatorClusterRequest;
/** The coordinator's replies, by request `type`. */
export type ClusterCoordinatorReplies = CoordinatorReplies & CoordinatorClusterReplies;

type OrchestratorRef = ActorRef<OrchestratorRequest, OrchestratorReplies>;
type CoordinatorRef = ActorRef<ClusterCoordinatorRequest, ClusterCoordinatorReplies>;

/** What a coordinator needs. */
export interface ClusterCoordinatorOptions {
  readonly nodeId: string;
  readonly shardCount: number;
  /** Where the membership list is kept (the node's first data path). */
  readonly dataPath: string;
  readonly mesh: ClusterMesh;
  /** This node's orchestrator. */
  readonly orchestrator: OrchestratorRef;
  /** Seed nodes; with seeds, InitSwarm waits until the first peer is synchronised. */
  readonly seeds: readonly string[];
  /** How long InitSwarm waits for the first peer (default 30 s). */
  readonly joinTimeoutMs?: number;
  /** Deadline of one ask to a peer (default 5 s). */
  readonly peerTimeoutMs?: number;
  readonly metricsRegistry?: Registry;
  /** Rebalancing tunables (page size, pacing, retries); defaults suit production. */
  readonly handoff?: HandoffSettings;
}

/** What this node knows of a peer that is handing documents off. */
interface PeerHandoff {
  pendingDocuments: number;
  updatedMs: number;
}

/** The last announcement taken from each peer, so a late, older one is ignored. */
type AnnouncementSequences = Map<string, number>;

interface Member {
  readonly nodeId: string;
  shardCount: number;
  peerId: string;
  addresses: readonly string[];
  healthy: boolean;
  lastSeenMs: number;
}

/** The coordinator's live parts. */
export interface CoordinatorState {
  readonly members: Map<string, Member>;
  /** Nodes removed from the ring for good: never taken back (docs/CLUSTER.md). */
  readonly removed: Set<string>;
  /** Members being decommissioned: off the ring, still asked and searched until they are removed. */
  readonly leaving: Set<string>;
  ring: HashRing;
  /** Peers whose members and schemas were pulled since they last joined. */
  readonly synced: Set<string>;
  readonly unsubscribe: Array<() => void>;
  /** This node's rebalancing handoff. */
  readonly handoff: Handoff;
  /** Peers that announced an active handoff (rebalancing), by node id. */
  readonly handingOff: Map<string, PeerHandoff>;
  readonly announcementSequences: AnnouncementSequences;
  /** When the ring last changed (ms). */
  lastRingChangeMs: number;
}

type Context = MessageContext<ClusterCoordinatorRequest, ClusterCoordinatorReplies, CoordinatorState>;

/** The cluster's state as one node sees it. */
export function clusterState(members: Iterable<{ nodeId: string; healthy: boolean }>, self: string) {
  let others = 0;
  let down = 0;
  for (const member of members) {
    if (member.nodeId === self) continue;
    others++;
    if (!member.healthy) down++;
  }
  if (down === 0) return 'Active' as const;
  return down === others ? ('Failed' as const) : ('Degraded' as const);
}

/** The key whose ring owner serialises an index's schema changes. */
export function schemaKey(index: string): string {
  return `schema:${index}`;
}

/** The definition of a node's coordinator. */
export function clusterCoordinator(
  options: ClusterCoordinatorOptions,
): ActorDefinition<ClusterCoordinatorRequest, ClusterCoordinatorReplies, CoordinatorState> {
  const { nodeId, mesh } = options;
  const peerTimeoutMs = options.peerTimeoutMs ?? 5_000;
  const rebalanceGraceMs = options.handoff?.graceMs ?? 10_000;
  // An announced handoff not refreshed for this long (by a peer that is up) is over.
  const handoffAnnouncementTtlMs = 30_000;
  const schemaLocks = new KeyedLock();
  // The metrics read the latest state through this reference.
  let current: CoordinatorState | undefined;
  if (options.metricsRegistry !== undefined) registerMetrics(options.metricsRegistry);

  function registerMetrics(registry: Registry): void {
    new Gauge({
      name: 'cameodb_cluster_peers',
      help: 'Members of the ring other than this node, by health.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const others = [...(current?.members.values() ?? [])].filter((member) => member.nodeId !== nodeId);
        this.set({ state: 'up' }, others.filter((member) => member.healthy).length);
        this.set({ state: 'down' }, others.filter((member) => !member.healthy).length);
      },
    });
    new Gauge({
      name: 'cameodb_cluster_state',
      help: 'Cluster state as this node sees it: 0 Active, 1 Degraded, 2 Failed.',
      registers: [registry],
      collect() {
        const state = current === undefined ? 'Active' : clusterState(current.members.values(), nodeId);
        this.set(state === 'Active' ? 0 : state === 'Degraded' ? 1 : 2);
      },
    });
    new Gauge({
      name: 'cameodb_cluster_ring_virtual_nodes',
      help: 'Virtual nodes on the consistent-hash ring.',
      registers: [registry],
      collect() {
        this.set(current?.ring.size ?? 0);
      },
    });
  }

  const orchestratorOf = (target: string): OrchestratorRef =>
    target === nodeId
      ? options.orchestrator
      : mesh.remoteRef<OrchestratorRequest, OrchestratorReplies>(target, `orchestrator-${target}`);
  const coordinatorOf = (target: string): CoordinatorRef =>
    mesh.remoteRef<ClusterCoordinatorRequest, ClusterCoordinatorReplies>(target, `coordinator-${target}`);

  function rebuildRing(state: CoordinatorState): void {
    state.ring = new HashRing(
      [...state.members.values()]
        .filter((member) => !state.leaving.has(member.nodeId))
        .map((member) => ({ nodeId: member.nodeId, shardCount: member.shardCount })),
    );
    state.lastRingChangeMs = Date.now();
    persist(state);
  }

  /** Tells every live peer that this node's handoff is active or over (best effort; repeated while active). */
  function announceHandoff(
    state: CoordinatorState,
    progress: { active: boolean; pendingDocuments: number; sequence: number },
    logger: Logger,
  ): void {
    for (const member of state.members.values()) {
      if (member.nodeId === nodeId || !member.healthy) continue;
      coordinatorOf(member.nodeId)
        .ask({ type: 'HandoffProgress', nodeId, ...progress }, { timeoutMs: peerTimeoutMs })
        .catch((error: unknown) =>
          logger.debug({ err: error, peer: member.nodeId }, 'handoff announcement not delivered'),
        );
    }
  }

  /** The nodes that may still hold documents they no longer own. */
  function handoffSources(state: CoordinatorState): { available: string[]; unavailable: string[] } {
    const now = Date.now();
    const sources = new Set<string>();
    for (const [peer, entry] of state.handingOff) {
      const healthy = state.members.get(peer)?.healthy === true;
      // A peer that is down keeps its entry: its documents are still to move when it is back.
      if (healthy && now - entry.updatedMs > handoffAnnouncementTtlMs) state.handingOff.delete(peer);
      else sources.add(peer);
    }
    if (state.handoff.status().active) sources.add(nodeId);
    if (now - state.lastRingChangeMs < rebalanceGraceMs) {
      for (const member of state.members.values()) {
        if (member.nodeId === nodeId || member.healthy) sources.add(member.nodeId);
      }
    }
    const available: string[] = [];
    const unavailable: string[] = [];
    for (const source of [...sources].sort()) {
      if (source === nodeId || state.members.get(source)?.healthy === true) available.push(source);
      else unavailable.push(source);
    }
    return { available, unavailable };
  }

  function persist(state: CoordinatorState): void {
    writeMembers(
      options.dataPath,
      [...state.members.values()].map((member) => ({
        nodeId: member.nodeId,
        shardCount: member.shardCount,
        addresses: [...member.addresses],
      })),
      [...state.removed],
      [...state.leaving],
    );
  }

  /**
   * Takes `member` off the ring for good (it is down and its data gone): its keys go to the
   * other members. False when it was not a member.
   */
  function forgetMember(state: CoordinatorState, member: string, context: Context): boolean {
    state.removed.add(member);
    state.leaving.delete(member);
    state.handingOff.delete(member);
    state.synced.delete(member);
    if (!state.members.delete(member)) {
      persist(state);
      return false;
    }
    context.logger.warn({ member }, 'ring member removed for good: its keys move to the other members');
    rebuildRing(state);
    state.handoff.request('ring member removed');
    return true;
  }

  /**
   * Tells every other member a membership change (each at most one peer timeout, in
   * parallel). A member that is down is listed as failed: it learns the change from the
   * first peer it synchronises with when it is back.
   */
  async function tellPeers(
    state: CoordinatorState,
    message: RemoveMember | DecommissionMember,
  ): Promise<{ notified: string[]; failed: { nodeId: string; error: string }[] }> {
    const notified: string[] = [];
    const failed: { nodeId: string; error: string }[] = [];
    const peers = [...state.members.values()].filter((peer) => peer.nodeId !== nodeId);
    await Promise.all(
      peers.map(async (peer) => {
        if (!peer.healthy) {
          failed.push({ nodeId: peer.nodeId, error: 'down: learns it when it comes back' });
          return;
        }
        try {
          await coordinatorOf(peer.nodeId).ask(message, { timeoutMs: peerTimeoutMs });
          notified.push(peer.nodeId);
        } catch (error) {
          failed.push({ nodeId: peer.nodeId, error: (error as Error).message });
        }
      }),
    );
    return { notified: notified.sort(), failed };
  }

  function peerInfo(member: Member): PeerInfo {
    return {
      nodeId: member.nodeId,
      peerId: member.peerId,
      addresses: [...member.addresses],
      shards: Array.from({ length: member.shardCount }, (_, shard) => shard),
      healthy: member.nodeId === nodeId ? true : member.healthy,
      lastSeenMs: member.lastSeenMs,
    };
  }

  function status(state: CoordinatorState): ClusterStatus {
    return {
      type: 'ClusterStatus',
      nodeId,
      state: clusterState(state.members.values(), nodeId),
      peers: [...state.members.values()].filter((member) => member.nodeId !== nodeId).map(peerInfo),
      ringSize: state.ring.size,
      ...(state.leaving.size === 0 ? {} : { leaving: [...state.leaving].sort() }),
      rebalancing: rebalancing(state),
    };
  }

  function rebalancing(state: CoordinatorState): NonNullable<ClusterStatus['rebalancing']> {
    const own = state.handoff.status();
    const nodes = [...state.handingOff.keys()];
    if (own.active) nodes.push(nodeId);
    return {
      active: own.active,
      pendingDocuments: own.pendingDocuments,
      handedOffDocuments: own.handedOffDocuments,
      nodes: nodes.sort(),
    };
  }

  /** Adds or refreshes a member; true when the ring changed. */
  function upsertMember(
    state: CoordinatorState,
    peer: { nodeId: string; peerId: string; addresses: readonly string[]; shardCount: number },
    healthy: boolean,
  ): boolean {
    const known = state.members.get(peer.nodeId);
    if (known === undefined) {
      state.members.set(peer.nodeId, { ...peer, healthy, lastSeenMs: healthy ? Date.now() : 0 });
      return true;
    }
    if (peer.peerId !== '') known.peerId = peer.peerId;
    if (peer.addresses.length > 0) known.addresses = peer.addresses;
    if (healthy) {
      known.healthy = true;
      known.lastSeenMs = Date.now();
    }
    if (peer.shardCount > 0 && peer.shardCount !== known.shardCount) {
      known.shardCount = peer.shardCount;
      return true;
    }
    return false;
  }

  /** Pulls a joined peer's members and schemas. */
  async function synchronise(state: CoordinatorState, peer: string, context: Context): Promise<void> {
    const known = await coordinatorOf(peer).ask({ type: 'GetKnownPeers' }, { timeoutMs: peerTimeoutMs });
    const connected = new Set(mesh.peers().map((item) => item.nodeId));
    let changed = false;
    for (const gone of known.removed ?? []) {
      if (gone !== nodeId && !state.removed.has(gone))
        changed = forgetMember(state, gone, context) || changed;
    }
    for (const leaver of known.leaving ?? []) {
      if (!state.removed.has(leaver) && !state.leaving.has(leaver)) {
        context.logger.info({ member: leaver, from: peer }, 'learnt a member is being decommissioned');
        state.leaving.add(leaver);
        changed = true;
      }
    }
    for (const info of known.peers) {
      if (info.nodeId === nodeId || info.shards.length === 0 || state.removed.has(info.nodeId)) continue;
      if (!state.members.has(info.nodeId)) {
        context.logger.info({ member: info.nodeId, from: peer }, 'learnt a ring member from a peer');
      }
      changed =
        upsertMember(
          state,
          {
            nodeId: info.nodeId,
            peerId: info.peerId,
            addresses: info.addresses,
            shardCount: info.shards.length,
          },
          connected.has(info.nodeId),
        ) || changed;
    }
    if (changed) {
      rebuildRing(state);
      state.handoff.request('ring members learnt from a peer');
    }
    const { schemas } = await orchestratorOf(peer).ask({ type: 'ListSchemas' }, { timeoutMs: peerTimeoutMs });
    for (const schema of schemas) {
      const installed = await options.orchestrator.ask(
        { type: 'InstallSchema', schema, onlyIfNewer: true },
        { timeoutMs: 60_000 },
      );
      if (installed.changed)
        context.logger.info({ index: schema.name, from: peer }, 'schema pulled from a peer');
    }
    state.synced.add(peer);
  }

  async function waitForFirstPeer(state: CoordinatorState, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + (options.joinTimeoutMs ?? 30_000);
    while (state.synced.size === 0) {
      if (Date.now() > deadline || signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  function liveNodes(state: CoordinatorState): string[] {
    return [...state.members.values()]
      .filter((member) => member.nodeId === nodeId || member.healthy)
      .map((member) => member.nodeId);
  }

  /** Installs `schema` on every live node but this one; returns the nodes that did not confirm. */
  async function pushSchema(
    state: CoordinatorState,
    schema: IndexSchema,
    context: Context,
  ): Promise<string[]> {
    const others = [...state.members.values()].filter((member) => member.nodeId !== nodeId);
    const unreachable: string[] = [];
    await Promise.all(
      others.map(async (member) => {
        if (!member.healthy) {
          unreachable.push(member.nodeId);
          return;
        }
        try {
          await orchestratorOf(member.nodeId).ask(
            { type: 'InstallSchema', schema },
            { timeoutMs: peerTimeoutMs, signal: context.signal },
          );
        } catch (error) {
          context.logger.warn({ err: error, peer: member.nodeId, index: schema.name }, 'schema push failed');
          unreachable.push(member.nodeId);
        }
      }),
    );
    return unreachable.sort();
  }

  async function changeSchema(
    state: CoordinatorState,
    message: ChangeSchema,
    context: Context,
  ): Promise<SchemaChanged> {
    const owner = state.ring.ownerOf(schemaKey(message.index)).nodeId;
    if (owner !== nodeId) {
      // The asker's ring differs from ours (a membership change in flight): refuse rather than fork.
      throw new ValidationError(
        `node ${nodeId} does not own the schema of "${message.index}" (owner: ${owner}); retry`,
      );
    }
    const local = options.orchestrator;
    const askOptions = { timeoutMs: 60_000, signal: context.signal };
    return schemaLocks.run(message.index, async (): Promise<SchemaChanged> => {
      const { change } = message;
      switch (change.kind) {
        case 'create': {
          const before = (await local.ask({ type: 'GetConfig', index: message.index }, askOptions)).schema;
          if (before !== undefined && (await populatedAnywhere(state, message.index, context))) {
            checkCompatible(before, change.schema);
          }
          const reply = await local.ask({ type: 'CreateConfig', schema: change.schema }, askOptions);
          const schema = reply.schema!;
          const unreachable = await pushSchema(state, schema, context);
          return {
            type: 'SchemaChanged',
            schema,
            created: before === undefined,
            dropped: false,
            unreachable,
          };
        }
        case 'evolve': {
          const before = (await local.ask({ type: 'GetConfig', index: message.index }, askOptions)).schema;
          if (before === undefined && !change.autoCreate) throw new IndexNotFoundError(message.index);
          let next = before;
          for (const doc of change.docs) next = evolveSchema(next, message.index, doc) ?? next;
          if (next === undefined || next === before) {
            return {
              type: 'SchemaChanged',
              ...(before === undefined ? {} : { schema: before }),
              created: false,
              dropped: false,
              unreachable: [],
            };
          }
          const installed = await local.ask({ type: 'InstallSchema', schema: next }, askOptions);
          const unreachable = await pushSchema(state, installed.schema, context);
          return {
            type: 'SchemaChanged',
            schema: installed.schema,
            created: before === undefined,
            dropped: false,
            unreachable,
          };
        }
        case 'drop': {
          const live = liveNodes(state);
          const unreachable = [...state.members.keys()].filter((member) => !live.includes(member));
          let dropped = false;
          await Promise.all(
            live.map(async (target) => {
              try {
                const reply = await orchestratorOf(target).ask(
                  { type: 'DropIndex', index: message.index },
                  { timeoutMs: target === nodeId ? 60_000 : peerTimeoutMs, signal: context.signal },
                );
                dropped ||= reply.dropped;
              } catch (error) {
                if (target === nodeId) throw error;
                context.logger.warn(
                  { err: error, peer: target, index: message.index },
                  'drop failed on a peer',
                );
                unreachable.push(target);
              }
            }),
          );
          return { type: 'SchemaChanged', created: false, dropped, unreachable: unreachable.sort() };
        }
      }
    });
  }

  async function populatedAnywhere(
    state: CoordinatorState,
    index: string,
    context: Context,
  ): Promise<boolean> {
    const counts = await Promise.all(
      liveNodes(state).map(async (target) => {
        try {
          const reply = await orchestratorOf(target).ask(
            { type: 'ListIndexes' },
            { timeoutMs: peerTimeoutMs, signal: context.signal },
          );
          return reply.indexes.find((entry) => entry.name === index)?.documentCount ?? 0;
        } catch (error) {
          if (error instanceof CameoError && target !== nodeId) return 0;
          throw error;
        }
      }),
    );
    return counts.some((count) => count > 0);
  }

  function decide(state: CoordinatorState, routingKey: string): RouteDecision {
    const owner = state.ring.ownerOf(routingKey);
    if (owner.nodeId === nodeId) return { type: 'RouteDecision', route: 'Local', shardId: owner.shardId };
    return {
      type: 'RouteDecision',
      route: 'Remote',
      nodeId: owner.nodeId,
      shardId: owner.shardId,
      available: state.members.get(owner.nodeId)?.healthy ?? false,
    };
  }

  return defineActor<ClusterCoordinatorRequest, ClusterCoordinatorReplies, CoordinatorState>({
    name: 'coordinator',
    // Routing decisions must never wait behind a peer synchronisation or a schema change.
    concurrency: 4096,
    mailboxLimit: 100_000,
    messageDeadlineMs: 120_000,
    // A failed schema change or a failed sync is the asker's error; the membership stays valid.
    supervision: CrashPolicy.Resume,
    initialState(context) {
      const members = new Map<string, Member>();
      const membership = readMembership(options.dataPath);
      const removed = new Set(membership.removed);
      const leaving = new Set(membership.leaving.filter((member) => !removed.has(member)));
      for (const record of membership.members) {
        if (record.nodeId === nodeId || removed.has(record.nodeId)) continue;
        members.set(record.nodeId, {
          nodeId: record.nodeId,
          shardCount: record.shardCount,
          peerId: '',
          addresses: record.addresses ?? [],
          healthy: false,
          lastSeenMs: 0,
        });
      }
      members.set(nodeId, {
        nodeId,
        shardCount: options.shardCount,
        peerId: '',
        addresses: [],
        healthy: true,
        lastSeenMs: Date.now(),
      });
      const self = context.self;
      const state: CoordinatorState = {
        members,
        removed,
        leaving,
        ring: new HashRing([]),
        synced: new Set(),
        unsubscribe: [],
        handingOff: new Map(),
        announcementSequences: new Map(),
        lastRingChangeMs: 0,
        handoff: new Handoff({
          ...options.handoff,
          nodeId,
          shardCount: options.shardCount,
          dataPath: options.dataPath,
          logger: context.logger.child({ component: 'rebalancing' }),
          ring: () => state.ring,
          isHealthy: (member) => member === nodeId || state.members.get(member)?.healthy === true,
          orchestratorOf,
          announce: (active, pending, sequence) =>
            announceHandoff(state, { active, pendingDocuments: pending, sequence }, context.logger),
          peerTimeoutMs,
          ...(options.metricsRegistry === undefined ? {} : { metricsRegistry: options.metricsRegistry }),
        }),
      };
      rebuildRing(state);
      state.unsubscribe.push(
        mesh.onPeerJoined((peer) =>
          self.tell({ type: 'PeerJoined', ...peer, addresses: [...peer.addresses] }),
        ),
        mesh.onPeerLost((lost) => self.tell({ type: 'PeerLost', nodeId: lost })),
      );
      current = state;
      return state;
    },
    async onStop(state) {
      for (const unsubscribe of state.unsubscribe) unsubscribe();
      await state.handoff.stop();
    },
    receive: {
      async InitSwarm(state, _message, context) {
        await mesh.start();
        const me = state.members.get(nodeId);
        if (me !== undefined) me.addresses = mesh.addresses();
        // Peers that completed their hello before we subscribed.
        for (const peer of mesh.peers())
          context.self.tell({ type: 'PeerJoined', ...peer, addresses: [...peer.addresses] });
        const others = state.members.size > 1;
        // Remembered members are dialled too: a restarted node finds the cluster without seeds.
        const connected = new Set(mesh.peers().map((peer) => peer.nodeId));
        for (const member of state.members.values()) {
          if (member.nodeId === nodeId || connected.has(member.nodeId)) continue;
          for (const address of member.addresses.filter((item) => item.includes('/tcp/')).slice(0, 2)) {
            mesh.dial(address).catch((error: unknown) => {
              context.logger.debug(
                { err: error, member: member.nodeId, address },
                'remembered member not reached',
              );
            });
          }
        }
        if (options.seeds.length > 0 || others) {
          const joined = await waitForFirstPeer(state, context.signal);
          if (!joined)
            context.logger.warn({ seeds: options.seeds }, 'no peer reached before the join timeout');
        }
        // A node that stopped mid-handoff, or whose ring changed while it was down, scans again.
        if (state.members.size > 1 && state.handoff.due()) state.handoff.request('start with a changed ring');
        return status(state);
      },
      async ShutdownSwarm() {
        await mesh.stop();
        return { type: 'Ack' };
      },
      DiscoverPeers(state) {
        return { type: 'KnownPeers', peers: [...state.members.values()].map(peerInfo) };
      },
      GetStatus: (state) => status(state),
      RegisterLocalShards(state, message) {
        const member = state.members.get(message.nodeId);
        if (
          member !== undefined &&
          message.shards.length > 0 &&
          member.shardCount !== message.shards.length
        ) {
          member.shardCount = message.shards.length;
          rebuildRing(state);
          state.handoff.request('shard count changed');
        }
        return { type: 'Ack' };
      },
      RouteOperation(state, message) {
        if (message.scope === 'broadcast') {
          const members = [...state.members.values()].sort((a, b) =>
            a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0,
          );
          return {
            type: 'RouteDecision',
            route: 'Broadcast',
            nodeIds: members.map((member) => member.nodeId),
            nodes: members.map((member) => ({
              nodeId: member.nodeId,
              shardCount: member.shardCount,
              available: member.nodeId === nodeId || member.healthy,
            })),
          };
        }
        if (message.routingKey === undefined)
          throw new ValidationError('a keyed operation needs a routing key');
        return decide(state, message.routingKey);
      },
      GetKnownPeers(state) {
        return {
          type: 'KnownPeers',
          peers: [...state.members.values()].map(peerInfo),
          removed: [...state.removed],
          leaving: [...state.leaving],
        };
      },
      async RemoveMember(state, message, context) {
        const target = message.nodeId;
        if (target === nodeId) {
          throw new ValidationError(`node ${nodeId} cannot remove itself: ask another member`);
        }
        const member = state.members.get(target);
        if (member === undefined && !state.removed.has(target)) {
          throw new ValidationError(`node ${target} is not a member of this cluster`, {
            details: { nodeId: target },
          });
        }
        if (member?.healthy === true) {
          throw new MemberUpError(
            `node ${target} is up: stop it before removing it (removing a member drops the documents it holds)`,
            { details: { nodeId: target } },
          );
        }
        const removed = forgetMember(state, target, context);
        const told = message.propagate
          ? await tellPeers(state, { type: 'RemoveMember', nodeId: target, propagate: false })
          : { notified: [], failed: [] };
        return {
          type: 'MemberRemoved',
          nodeId: target,
          removed,
          members: [...state.members.keys()].sort(),
          ...told,
        };
      },
      async DecommissionMember(state, message, context) {
        const target = message.nodeId;
        if (!state.members.has(target)) {
          throw new ValidationError(`node ${target} is not a member of this cluster`, {
            details: { nodeId: target },
          });
        }
        if (message.propagate && target !== nodeId) {
          // The leaving node itself starts it: it is the one that hands its documents off.
          if (state.members.get(target)?.healthy !== true) {
            throw new PeerGoneError(
              `node ${target} is down: a node hands its documents off only while it is up (remove a lost node instead)`,
              { details: { nodeId: target } },
            );
          }
          return coordinatorOf(target).ask(
            { type: 'DecommissionMember', nodeId: target, propagate: true },
            { timeoutMs: peerTimeoutMs * 2 },
          );
        }
        const staying = [...state.members.keys()].filter(
          (member) => member !== target && !state.leaving.has(member),
        );
        if (staying.length === 0) {
          throw new ValidationError(
            `node ${target} is the last member on the ring: nowhere to move its documents`,
            {
              details: { nodeId: target },
            },
          );
        }
        if (!state.leaving.has(target)) {
          state.leaving.add(target);
          context.logger.warn(
            { member: target },
            target === nodeId
              ? 'decommissioning this node: handing every document off to the other members'
              : 'a member is being decommissioned: its keys move to the other members',
          );
          rebuildRing(state);
          state.handoff.request(target === nodeId ? 'decommissioning' : 'a member is leaving');
        }
        const told = message.propagate
          ? await tellPeers(state, { type: 'DecommissionMember', nodeId: target, propagate: false })
          : { notified: [], failed: [] };
        return {
          type: 'MemberLeaving',
          nodeId: target,
          ringMembers: state.ring.members.map((member) => member.nodeId).sort(),
          ...told,
        };
      },
      ChangeSchema: (state, message, context) => changeSchema(state, message, context),
      RouteKeys(state, message) {
        const owners = message.routingKeys.map((key) => state.ring.ownerOf(key));
        const unavailable = [...new Set(owners.map((owner) => owner.nodeId))].filter(
          (owner) => owner !== nodeId && state.members.get(owner)?.healthy !== true,
        );
        return { type: 'RouteKeysResult', owners, unavailable };
      },
      GetRing(state) {
        return {
          type: 'RingSnapshot',
          virtualNodesPerNode: VIRTUAL_NODES_PER_NODE,
          members: state.ring.members.map((member) => ({
            nodeId: member.nodeId,
            shardCount: member.shardCount,
          })),
          tokens: state.ring.tokens().map((token) => ({ ...token })),
        };
      },
      PeerJoined(state, message, context) {
        if (state.removed.has(message.nodeId)) {
          context.logger.warn(
            { member: message.nodeId },
            'a node removed from the ring connected: ignored (wipe its data directory to join it as a new node)',
          );
          return undefined;
        }
        const changed = upsertMember(state, message, true);
        if (changed) {
          context.logger.info({ member: message.nodeId, shards: message.shardCount }, 'new ring member');
          rebuildRing(state);
          state.handoff.request('new ring member');
        } else {
          context.logger.info({ member: message.nodeId }, 'peer is back');
          persist(state);
          // An incomplete handoff may have been waiting for this peer.
          if (state.handoff.status().active) state.handoff.request('peer is back');
        }
        // A member that joined or came back learns at once that this node is handing off.
        state.handoff.reannounce();
        state.synced.delete(message.nodeId);
        const sync = context.self;
        void synchronise(state, message.nodeId, context).catch((error: unknown) => {
          context.logger.warn({ err: error, peer: message.nodeId }, 'synchronising with a peer failed');
          // Try again while the peer is still up (it may still be starting its actors).
          setTimeout(() => {
            if (state.members.get(message.nodeId)?.healthy === true && !state.synced.has(message.nodeId)) {
              const member = state.members.get(message.nodeId)!;
              sync.tell({
                type: 'PeerJoined',
                nodeId: member.nodeId,
                peerId: member.peerId,
                addresses: [...member.addresses],
                shardCount: member.shardCount,
              });
            }
          }, 500).unref();
        });
        return undefined;
      },
      HandoffProgress(state, message) {
        const last = state.announcementSequences.get(message.nodeId);
        if (last !== undefined && message.sequence <= last) return { type: 'HandoffProgressNoted' };
        state.announcementSequences.set(message.nodeId, message.sequence);
        if (message.active)
          state.handingOff.set(message.nodeId, {
            pendingDocuments: message.pendingDocuments,
            updatedMs: Date.now(),
          });
        else state.handingOff.delete(message.nodeId);
        return { type: 'HandoffProgressNoted' };
      },
      GetHandoffSources(state) {
        return { type: 'HandoffSources', ...handoffSources(state) };
      },
      PeerLost(state, message, context) {
        const member = state.members.get(message.nodeId);
        if (member !== undefined && member.nodeId !== nodeId) {
          member.healthy = false;
          state.synced.delete(message.nodeId);
          context.logger.warn({ member: message.nodeId }, 'ring member lost');
        }
        return undefined;
      },
    },
  });
}
