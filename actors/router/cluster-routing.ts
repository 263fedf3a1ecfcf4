/**
 * How the router carries out the cluster's routing decisions:
 * - keyed operations go to the owner's orchestrator (local, or remote with a deadline and
 *   retries with backoff; a write always carries a request id, so a retry is never applied
 *   twice: the owner's orchestrator answers a replayed id with the first reply);
 * - a bulk write or delete is split by owner node, one batch per node, and the per-item
 *   results are put back at the caller's positions;
 * - a search fans out to every node (fan-out limit, per-peer timeout), each node answers
 *   its own top offset+limit, the pages are merged (mergeHits) and the offset applied after
 *   the merge; a node that is down or fails counts its shards in failedShards;
 * - schema changes (create, drop, new fields from writes) go to the coordinator owning the
 *   key `schema:<index>`, which serialises them and installs the result on every live node.
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  ActorStoppedError,
  AskTimeoutError,
  CameoError,
  IndexNotFoundError,
  MAX_ROUTER_HOPS,
  NotOwnerError,
  OverloadedError,
  PeerGoneError,
  UnknownActorError,
  errorFromWire,
  type BulkDelete,
  type BulkDeleteResult,
  type BulkWrite,
  type BulkWriteResult,
  type ChangeSchema,
  type ClientOp,
  type ClientReplies,
  type Delete,
  type DeleteResult,
  type Get,
  type GetResult,
  type IndexSchema,
  type JsonObject,
  type ListIndexesResult,
  type ReplyOf,
  type RouteDecision,
  type CorpusStatistics,
  type Search,
  type SearchResult,
  type SchemaChanged,
  type Stream,
  type WireError,
} from '../../messages/index.js';
import { addStatistics, evolveSchema, mergeHits, NO_STATISTICS } from '../../storage/index.js';
import type {
  ClusterCoordinatorReplies,
  ClusterCoordinatorRequest,
} from '../coordinator/cluster-coordinator.js';
import { schemaKey } from '../coordinator/cluster-coordinator.js';
import type { ClusterMesh } from '../coordinator/cluster-mesh.js';
import { routeKey } from '../coordinator/routing-key.js';
import type { OrchestratorReplies, OrchestratorRequest } from '../orchestrator/node-orchestrator.js';
import type { SchemaCache } from '../orchestrator/schema-cache.js';
import type { ActorRef } from '../ref.js';
import type { ClusterRouterMetrics } from './cluster-metrics.js';
import { sameStatistics, StatisticsMemory } from './statistics-memory.js';
import { sleep } from '../runtime/index.js';

type OrchestratorRef = ActorRef<OrchestratorRequest, OrchestratorReplies>;
/** The owner node of each item of a bulk operation, by position. */
type RouteOwners = ReadonlyArray<{ nodeId: string }>;
/** A node of a broadcast decision: its shard count and whether it is up. */
type BroadcastNode = NonNullable<Extract<RouteDecision, { route: 'Broadcast' }>['nodes']>[number];
type CoordinatorRef = ActorRef<ClusterCoordinatorRequest, ClusterCoordinatorReplies>;

/** What the router needs to act as a cluster member. */
export interface ClusterRoutingOptions {
  readonly nodeId: string;
  /** This node's orchestrator. */
  readonly orchestrator: OrchestratorRef;
  /** This node's coordinator. */
  readonly coordinator: CoordinatorRef;
  readonly mesh: ClusterMesh;
  /** The node's schema cache (shared with its orchestrator): routing fields, schema evolution. */
  readonly schemas: SchemaCache;
  readonly autoCreateIndexes: boolean;
  readonly metrics: ClusterRouterMetrics;
  /** Most nodes asked at once by one broadcast (default 16). */
  readonly fanOutLimit?: number;
  /** Queries whose BM25 statistics are remembered for the next search (default 1024; 0: none). */
  readonly rememberedQueries?: number;
  /** Deadline of one node's answer to a broadcast, and of one keyed remote attempt (default 10 s). */
  readonly peerTimeoutMs?: number;
  /** Attempts of a remote call whose failure may be transient (default 3). */
  readonly maxAttempts?: number;
  /** First retry delay; doubled per attempt, with jitter (default 50 ms). */
  readonly retryBackoffMs?: number;
}

/** Error codes that mean the request itself is wrong: every node would say the same. */
const REQUEST_ERROR_CODES = new Set([
  'VALIDATION_ERROR',
  'QUERY_SYNTAX_ERROR',
  'FIELD_TYPE_ERROR',
  'INVALID_ID',
]);

/** Failures worth another attempt: the peer went away, was slow, was restarting or overloaded. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof PeerGoneError ||
    error instanceof AskTimeoutError ||
    error instanceof UnknownActorError ||
    error instanceof ActorStoppedError ||
    error instanceof OverloadedError
  );
}

/** The 503 of an operation whose owner is down: names the node. */
export function ownerUnavailable(nodeId: string, what: string, cause?: unknown): PeerGoneError {
  const reason = cause instanceof Error ? `: ${cause.message}` : ' (it is down)';
  return new PeerGoneError(`node ${nodeId}, which owns ${what}, is unavailable${reason}; retry later`, {
    details: { node_id: nodeId },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Runs `work` over `items` with at most `limit` at once. */
async function withLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** The cluster executor of one router. */
export interface ClusterExecutor {
  execute<M extends ClientOp>(
    message: M,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<ReplyOf<ClientOp, ClientReplies, M>>;
}

/** Builds the executor that carries out cluster routing decisions for a router. */
export function clusterExecutor(options: ClusterRoutingOptions): ClusterExecutor {
  const { nodeId, mesh, coordinator, metrics } = options;
  const local = options.orchestrator;
  const fanOutLimit = options.fanOutLimit ?? 16;
  const peerTimeoutMs = options.peerTimeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const backoffMs = options.retryBackoffMs ?? 50;
  const statisticsMemory = new StatisticsMemory(options.rememberedQueries);

  const orchestratorOf = (target: string): OrchestratorRef =>
    target === nodeId
      ? local
      : mesh.remoteRef<OrchestratorRequest, OrchestratorReplies>(target, `orchestrator-${target}`);

  /**
   * Where a message for `target` goes: a keyed write sent to its owner (it carries
   * `routerHops`) goes to the owner's router, which checks with its own ring that it owns
   * the key and forwards it if it learnt of a newer member first (docs/CLUSTER.md, "Writes
   * routed with an old ring"); everything else goes straight to the node's orchestrator.
   */
  const remoteTargetOf = (target: string, message: OrchestratorRequest): OrchestratorRef =>
    target !== nodeId && 'routerHops' in message && message.routerHops !== undefined
      ? (mesh.remoteRef<ClientOp, ClientReplies>(target, `router-${target}`) as unknown as OrchestratorRef)
      : orchestratorOf(target);

  /** `message` without its hop count: for sends that must not be checked against a ring. */
  const withoutHops = <M extends { routerHops?: number | undefined }>(message: M): Omit<M, 'routerHops'> => {
    const { routerHops: _hops, ...rest } = message;
    return rest;
  };

  /** Refuses to send `message` on when it has been forwarded as often as allowed. */
  const nextHop = (message: { routerHops?: number | undefined }, owner: string, what: string): number => {
    const hops = message.routerHops ?? 0;
    if (hops >= MAX_ROUTER_HOPS) {
      throw new NotOwnerError(
        `node ${nodeId} does not own ${what} by its ring (node ${owner} does) and it was already forwarded ${hops} time(s): the cluster's membership is changing, retry`,
        { details: { nodeId, owner, routerHops: hops } },
      );
    }
    return hops + 1;
  };

  /**
   * Asks a node's orchestrator. Remote attempts are bounded by `attemptMs`; transient
   * failures are retried with backoff while `retry` holds and the deadline allows.
   */
  async function askNode<M extends OrchestratorRequest>(
    target: string,
    message: M,
    call: { signal: AbortSignal; deadline: number; attemptMs: number; retry: boolean; what: string },
  ): Promise<ReplyOf<OrchestratorRequest, OrchestratorReplies, M>> {
    const ref = remoteTargetOf(target, message);
    if (target === nodeId) {
      return ref.ask(message, { signal: call.signal, timeoutMs: Math.max(1, call.deadline - Date.now()) });
    }
    for (let attempt = 1; ; attempt++) {
      const remaining = call.deadline - Date.now();
      const timeoutMs = Math.max(1, Math.min(remaining, call.attemptMs));
      const started = process.hrtime.bigint();
      try {
        const reply = await ref.ask(message, { signal: call.signal, timeoutMs });
        metrics.succeeded(target, Number(process.hrtime.bigint() - started) / 1e9);
        return reply;
      } catch (error) {
        metrics.failed(target, error instanceof AskTimeoutError);
        const retryable = call.retry && isTransient(error) && !call.signal.aborted;
        const delay = backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        if (!retryable || attempt >= maxAttempts || call.deadline - Date.now() <= delay) {
          if (error instanceof PeerGoneError || error instanceof UnknownActorError) {
            throw ownerUnavailable(target, call.what, error);
          }
          throw error;
        }
        metrics.retried(target);
        await sleep(delay, call.signal);
      }
    }
  }

  async function decide(routingKey: string, signal: AbortSignal): Promise<RouteDecision> {
    return coordinator.ask({ type: 'RouteOperation', scope: 'keyed', index: '', routingKey }, { signal });
  }

  async function changeSchema(
    index: string,
    change: ChangeSchema['change'],
    signal: AbortSignal,
    deadline: number,
  ): Promise<SchemaChanged> {
    const decision = await decide(schemaKey(index), signal);
    const message: ChangeSchema = { type: 'ChangeSchema', index, change };
    const timeoutMs = Math.max(1, deadline - Date.now());
    switch (decision.route) {
      case 'Local':
        return coordinator.ask(message, { signal, timeoutMs });
      case 'Remote': {
        const what = `the schema of index "${index}"`;
        if (decision.available === false) throw ownerUnavailable(decision.nodeId, what);
        const owner = mesh.remoteRef<ClusterCoordinatorRequest, ClusterCoordinatorReplies>(
          decision.nodeId,
          `coordinator-${decision.nodeId}`,
        );
        try {
          return await owner.ask(message, { signal, timeoutMs });
        } catch (error) {
          if (error instanceof PeerGoneError || error instanceof UnknownActorError) {
            throw ownerUnavailable(decision.nodeId, what, error);
          }
          throw error;
        }
      }
      case 'Broadcast':
        throw new TypeError('a keyed decision cannot be Broadcast');
    }
  }

  /** Makes the cluster know every field of `docs` before they are routed (schema evolution). */
  async function ensureSchema(
    index: string,
    docs: readonly JsonObject[],
    signal: AbortSignal,
    deadline: number,
  ): Promise<IndexSchema | undefined> {
    const cached = options.schemas.get(index);
    if (cached === undefined && !options.autoCreateIndexes) throw new IndexNotFoundError(index);
    // Only the documents that bring something new travel to the schema owner.
    const bringing: JsonObject[] = [];
    let next = cached;
    for (const doc of docs) {
      const evolved = evolveSchema(next, index, doc);
      if (evolved !== undefined) {
        bringing.push(doc);
        next = evolved;
      }
    }
    if (bringing.length === 0) return cached;
    const changed = await changeSchema(
      index,
      { kind: 'evolve', docs: bringing, autoCreate: options.autoCreateIndexes },
      signal,
      deadline,
    );
    return changed.schema ?? options.schemas.get(index);
  }

  function keyOf(
    schema: IndexSchema | undefined,
    input: { id: string; routingKey?: string | undefined; doc?: JsonObject },
  ): string {
    return routeKey({
      ...(schema?.routingField === undefined ? {} : { routingField: schema.routingField }),
      ...(input.routingKey === undefined ? {} : { routingKey: input.routingKey }),
      id: input.id,
      ...(input.doc === undefined ? {} : { doc: input.doc }),
    });
  }

  async function keyed<M extends Extract<ClientOp, { type: 'Write' | 'Delete' | 'Get' }>>(
    message: M,
    signal: AbortSignal,
    deadline: number,
  ): Promise<ReplyOf<ClientOp, ClientReplies, M>> {
    let schema: IndexSchema | undefined;
    let op: ClientOp = message;
    if (message.type === 'Write') {
      schema = await ensureSchema(message.index, [message.doc], signal, deadline);
      // Every write carries an id, so a retry after a lost reply is recognised by the owner.
      op = { ...message, requestId: message.requestId ?? randomUUID() };
    } else {
      schema = options.schemas.get(message.index);
      if (message.type === 'Delete') op = { ...message, requestId: message.requestId ?? randomUUID() };
    }
    const decision = await decide(keyOf(schema, message), signal);
    if (decision.route === 'Broadcast') throw new TypeError('a keyed decision cannot be Broadcast');
    const owner = decision.route === 'Local' ? nodeId : decision.nodeId;
    const what = `document "${message.id}" of index "${message.index}"`;
    if (decision.route === 'Remote' && op.type !== 'Get')
      op = { ...op, routerHops: nextHop(op, owner, what) };
    if (decision.route === 'Remote' && decision.available === false) throw ownerUnavailable(owner, what);
    const reply = (await askNode(owner, op, {
      signal,
      deadline,
      attemptMs: peerTimeoutMs,
      retry: true,
      what,
    })) as ReplyOf<ClientOp, ClientReplies, M>;
    // Rebalancing: the document may not have been handed off to its new owner yet.
    if (reply.type === 'GetResult' && op.type === 'Get' && !reply.found) {
      return ((await getFromHandoffSources(op, owner, signal, deadline)) ?? reply) as typeof reply;
    }
    // A forwarded delete: the router it came from deletes the copies on nodes handing off.
    if (reply.type === 'DeleteResult' && message.type === 'Delete' && message.routerHops === undefined) {
      return (await deleteOnHandoffSources(op as Delete, reply, owner, signal, deadline)) as typeof reply;
    }
    return reply;
  }

  /**
   * A Get that missed on the owner while documents may still be moving (rebalancing): looks
   * on the nodes that may still hold the document. A copy found there is first handed to the
   * owner (the owner applies it only if it has neither a newer write nor a tombstone of a
   * delete), then the owner's answer is returned, so a read never brings back a document
   * deleted on the owner. A source that is down answers 503: the document may be there.
   */
  async function getFromHandoffSources(
    message: Get,
    owner: string,
    signal: AbortSignal,
    deadline: number,
  ): Promise<GetResult | undefined> {
    const sources = await coordinator.ask({ type: 'GetHandoffSources' }, { signal });
    const targets = sources.available.filter((source) => source !== owner);
    const down = sources.unavailable.filter((source) => source !== owner);
    if (targets.length === 0 && down.length === 0) return undefined;
    const what = `documents of index "${message.index}" not yet handed off`;
    let failure: unknown;
    const replies = await Promise.all(
      targets.map(async (target) => {
        try {
          return await askNode(target, message, {
            signal,
            deadline,
            attemptMs: peerTimeoutMs,
            retry: true,
            what,
          });
        } catch (error) {
          // A node that never saw the index holds none of its documents.
          if (!(error instanceof IndexNotFoundError)) failure ??= error;
          return undefined;
        }
      }),
    );
    const found = replies.find((reply) => reply?.found === true);
    if (found?.doc !== undefined) {
      const handed = await askNode(
        owner,
        {
          type: 'AcceptHandoff',
          index: message.index,
          items: [
            {
              id: message.id,
              doc: found.doc,
              version: found.version ?? 1,
              // The copy's stamp: the owner orders it as the handoff will (the same copy sent
              // again by the handoff is then skipped as equal, not counted as replacing).
              ...(found.stamp === undefined ? {} : { stamp: found.stamp }),
              ...(message.routingKey === undefined ? {} : { routingKey: message.routingKey }),
            },
          ],
        },
        { signal, deadline, attemptMs: peerTimeoutMs, retry: true, what: `document "${message.id}"` },
      );
      metrics.handoffReadRepaired(handed.adopted);
      const failed = handed.failed[0];
      // The owner cannot take it yet (its schema is behind): transient, so 503 and retry.
      if (failed !== undefined)
        throw ownerUnavailable(owner, `document "${message.id}"`, errorFromWire(failed.error));
      return askNode(owner, message, {
        signal,
        deadline,
        attemptMs: peerTimeoutMs,
        retry: true,
        what: `document "${message.id}" of index "${message.index}"`,
      });
    }
    if (down[0] !== undefined) throw ownerUnavailable(down[0], what);
    if (failure !== undefined) throw failure;
    return undefined;
  }

  /**
   * A Delete while documents may still be moving (rebalancing): the owner's delete left a
   * tombstone, so no copy handed off later comes back; the copies still on the nodes handing
   * off are deleted too, so searches stop showing them at once. Deleted if any copy was.
   */
  async function deleteOnHandoffSources(
    message: Delete,
    reply: DeleteResult,
    owner: string,
    signal: AbortSignal,
    deadline: number,
  ): Promise<DeleteResult> {
    const sources = await coordinator.ask({ type: 'GetHandoffSources' }, { signal });
    const targets = sources.available.filter((source) => source !== owner);
    if (targets.length === 0) return reply;
    const requestId = message.requestId ?? randomUUID();
    const deleted = await Promise.all(
      targets.map(async (target) => {
        try {
          const copy = await askNode(
            target,
            { ...withoutHops(message), requestId: `${requestId}@${target}` },
            { signal, deadline, attemptMs: peerTimeoutMs, retry: true, what: `document "${message.id}"` },
          );
          return copy.result === 'deleted';
        } catch (error) {
          // The owner's tombstone already stops the copy: its node's handoff will drop it.
          if (!(error instanceof IndexNotFoundError)) metrics.handoffDeleteMissed(target);
          return false;
        }
      }),
    );
    return deleted.some(Boolean) && reply.result !== 'deleted' ? { ...reply, result: 'deleted' } : reply;
  }

  /**
   * A bulk write or delete: one batch per owner node, results at the caller's positions; a
   * bulk delete then also removes copies still on nodes handing off.
   */
  async function bulk<M extends BulkWrite | BulkDelete>(
    message: M,
    signal: AbortSignal,
    deadline: number,
  ): Promise<ReplyOf<ClientOp, ClientReplies, M>> {
    const requestId = message.requestId ?? randomUUID();
    const { reply, owners } = await bulkToOwners({ ...message, requestId }, signal, deadline);
    // A forwarded batch: the router it came from deletes the copies on nodes handing off.
    if (
      reply.type === 'BulkDeleteResult' &&
      message.type === 'BulkDelete' &&
      message.routerHops === undefined
    ) {
      return (await bulkDeleteOnHandoffSources(
        { ...message, requestId },
        reply,
        owners,
        signal,
        deadline,
      )) as ReplyOf<ClientOp, ClientReplies, M>;
    }
    return reply as ReplyOf<ClientOp, ClientReplies, M>;
  }

  /** Sends one batch per owner node and puts the results back at the caller's positions. */
  async function bulkToOwners(
    message: (BulkWrite | BulkDelete) & { requestId: string },
    signal: AbortSignal,
    deadline: number,
  ): Promise<{ reply: BulkWriteResult | BulkDeleteResult; owners: RouteOwners }> {
    const schema =
      message.type === 'BulkWrite'
        ? await ensureSchema(
            message.index,
            message.items.map((item) => item.doc),
            signal,
            deadline,
          )
        : options.schemas.get(message.index);
    const keys = (
      message.items as ReadonlyArray<BulkWrite['items'][number] | BulkDelete['items'][number]>
    ).map((item) => keyOf(schema, item));
    const routes = await coordinator.ask({ type: 'RouteKeys', routingKeys: keys }, { signal });
    const groups = new Map<string, number[]>();
    routes.owners.forEach((owner, position) => {
      let group = groups.get(owner.nodeId);
      if (group === undefined) groups.set(owner.nodeId, (group = []));
      group.push(position);
    });
    const requestId = message.requestId;
    // The common single-owner local case costs nothing extra.
    if (groups.size === 1 && groups.has(nodeId)) {
      const reply = await local.ask(message, { signal, timeoutMs: Math.max(1, deadline - Date.now()) });
      return { reply, owners: routes.owners };
    }
    const unavailable = new Set(routes.unavailable);
    const errors: Array<{ position: number; id: string; error: WireError }> = [];
    let done = 0;
    const failAll = (positions: readonly number[], error: CameoError): void => {
      const wire = error.toWire();
      for (const position of positions)
        errors.push({ position, id: message.items[position]!.id, error: wire });
    };
    await withLimit([...groups], fanOutLimit, async ([target, positions]) => {
      const what = `${positions.length} item(s) of this ${message.type === 'BulkWrite' ? 'bulk write' : 'bulk delete'}`;
      if (unavailable.has(target)) {
        failAll(positions, ownerUnavailable(target, what));
        return;
      }
      const items = positions.map((position) => message.items[position]!);
      try {
        // Its own share goes to the local orchestrator; the others on to their owners' routers.
        const batch = {
          ...withoutHops(message),
          items,
          requestId: `${requestId}@${target}`,
          ...(target === nodeId ? {} : { routerHops: nextHop(message, target, what) }),
        } as BulkWrite | BulkDelete;
        const reply = await askNode(target, batch, {
          signal,
          deadline,
          // A batch may take long to apply: the whole remaining deadline, per attempt.
          attemptMs: Math.max(1, deadline - Date.now()),
          retry: true,
          what,
        });
        done += 'itemsWritten' in reply ? reply.itemsWritten : reply.itemsDeleted;
        for (const error of reply.errors) {
          errors.push({ ...error, position: positions[error.position] ?? error.position });
        }
      } catch (error) {
        failAll(
          positions,
          error instanceof CameoError ? error : new CameoError('INTERNAL_ERROR', String(error)),
        );
      }
    });
    errors.sort((a, b) => a.position - b.position);
    const reply: BulkWriteResult | BulkDeleteResult =
      message.type === 'BulkDelete'
        ? { type: 'BulkDeleteResult', itemsReceived: message.items.length, itemsDeleted: done, errors }
        : { type: 'BulkWriteResult', itemsReceived: message.items.length, itemsWritten: done, errors };
    return { reply, owners: routes.owners };
  }

  /**
   * A bulk delete while documents may still be moving (rebalancing): each owner's delete left
   * a tombstone; the copies still on nodes handing off are deleted too (each node gets the
   * items it does not own). `itemsDeleted` then also counts those copies (a document deleted
   * both on its owner and as a not-yet-released copy counts twice), capped at the items received.
   */
  async function bulkDeleteOnHandoffSources(
    message: BulkDelete & { requestId: string },
    reply: BulkDeleteResult,
    owners: RouteOwners,
    signal: AbortSignal,
    deadline: number,
  ): Promise<BulkDeleteResult> {
    const sources = await coordinator.ask({ type: 'GetHandoffSources' }, { signal });
    if (sources.available.length === 0) return reply;
    let extra = 0;
    await withLimit(sources.available, fanOutLimit, async (target) => {
      const items = message.items.filter((_, position) => owners[position]?.nodeId !== target);
      if (items.length === 0) return;
      try {
        const copies = await askNode(
          target,
          { ...withoutHops(message), items, requestId: `${message.requestId}@handoff-${target}` },
          { signal, deadline, attemptMs: Math.max(1, deadline - Date.now()), retry: true, what: 'copies' },
        );
        extra += copies.itemsDeleted;
      } catch (error) {
        // The owners' tombstones already stop these copies: their node's handoff drops them.
        if (!(error instanceof IndexNotFoundError)) metrics.handoffDeleteMissed(target);
      }
    });
    return { ...reply, itemsDeleted: Math.min(reply.itemsReceived, reply.itemsDeleted + extra) };
  }

  async function broadcastDecision(index: string, signal: AbortSignal) {
    const decision = await coordinator.ask({ type: 'RouteOperation', scope: 'broadcast', index }, { signal });
    if (decision.route !== 'Broadcast') throw new TypeError(`a broadcast decision was ${decision.route}`);
    return (
      decision.nodes ??
      decision.nodeIds.map((id) => ({ nodeId: id, shardCount: 0, available: id === nodeId }))
    );
  }

  /**
   * Asks every node in `nodes` (fan-out limit, per-peer deadline) and collects the replies.
   * A node that is down or fails counts its shards as failed; a request error (the same on
   * every node) is thrown; a node that has never seen the index holds none of its documents.
   */
  async function fanOut<R>(
    nodes: readonly BroadcastNode[],
    ask: (target: string) => Promise<R>,
  ): Promise<{ replies: R[]; failedShards: number; contacted: number; failedNodes: Set<string> }> {
    const replies: R[] = [];
    const failedNodes = new Set<string>();
    let failedShards = 0;
    let contacted = 0;
    let requestError: unknown;
    let firstFailure: unknown;
    await withLimit(nodes, fanOutLimit, async (node) => {
      if (!node.available) {
        failedShards += node.shardCount;
        failedNodes.add(node.nodeId);
        metrics.broadcastFailed(node.nodeId);
        return;
      }
      try {
        replies.push(await ask(node.nodeId));
        contacted++;
      } catch (error) {
        if (error instanceof CameoError && REQUEST_ERROR_CODES.has(error.code)) {
          requestError ??= error;
          return;
        }
        if (error instanceof IndexNotFoundError && node.nodeId !== nodeId) {
          contacted++;
          return;
        }
        firstFailure ??= error;
        failedShards += node.shardCount;
        failedNodes.add(node.nodeId);
        metrics.broadcastFailed(node.nodeId);
      }
    });
    if (requestError !== undefined) throw requestError;
    if (contacted === 0 && firstFailure !== undefined) throw firstFailure;
    return { replies, failedShards, contacted, failedNodes };
  }

  /**
   * Scatter-gather search in two phases. First every node counts the query's BM25
   * statistics over its shards, and they are summed, so that every node then ranks with
   * the statistics of the whole index and a document scores the same wherever it lives
   * (as on one node holding everything). Then every node answers its top offset+limit,
   * ranked with them; the pages are merged and the offset applied after the merge. A node
   * that fails the first phase is not asked again; its shards count as failed once.
   *
   * When the query's statistics are remembered from an earlier search, the first phase is
   * skipped: the nodes rank with the remembered ones and report their own, and only if those
   * no longer add up to the same numbers is the search ranked again (statistics-memory.ts).
   */
  async function search(message: Search | Stream, signal: AbortSignal): Promise<SearchResult> {
    const nodes = await broadcastDecision(message.index, signal);
    metrics.broadcast(message.type);
    const deadline = Date.now() + peerTimeoutMs;
    const what = `shards of index "${message.index}"`;
    const call = { signal, deadline, attemptMs: peerTimeoutMs, retry: true, what };
    const { offset, limit } = message.search;
    const rankedWith = (statistics: CorpusStatistics | undefined): Search | Stream => ({
      ...message,
      search: { ...message.search, offset: 0, limit: offset + limit },
      ...(statistics === undefined ? {} : { statistics }),
    });
    let statistics = message.statistics;
    let asked: readonly BroadcastNode[] = nodes;
    let failedBefore = 0;
    if (statistics === undefined && nodes.length > 1) {
      const remembered = statisticsMemory.recall(message.index, message.search.query);
      if (remembered !== undefined) {
        const optimistic = await fanOut(nodes, (target) =>
          askNode(target, { ...rankedWith(remembered), reportStatistics: true }, call),
        );
        const reported = sumReported(optimistic.replies);
        if (reported !== undefined && sameStatistics(reported, remembered)) {
          metrics.searchStatistics('remembered');
          return mergedResult(message, nodes, optimistic, 0);
        }
        metrics.searchStatistics('changed');
        asked = nodes.filter((node) => !optimistic.failedNodes.has(node.nodeId));
        failedBefore = optimistic.failedShards;
        statistics = reported;
      }
      if (statistics === undefined) {
        metrics.searchStatistics('counted');
        const counted = await fanOut(asked, (target) =>
          askNode(
            target,
            { type: 'CollectSearchStatistics', index: message.index, query: message.search.query },
            call,
          ),
        );
        statistics = counted.replies.reduce(
          (sum, reply) => addStatistics(sum, reply.statistics),
          NO_STATISTICS,
        );
        asked = asked.filter((node) => !counted.failedNodes.has(node.nodeId));
        failedBefore += counted.failedShards;
      }
      statisticsMemory.remember(message.index, message.search.query, statistics);
    }
    const answered = await fanOut(asked, (target) => askNode(target, rankedWith(statistics), call));
    return mergedResult(message, nodes, answered, failedBefore);
  }

  /** The nodes' own statistics summed, or undefined when a node did not report its own. */
  function sumReported(replies: readonly SearchResult[]): CorpusStatistics | undefined {
    let sum = NO_STATISTICS;
    for (const reply of replies) {
      if (reply.statistics === undefined) return undefined;
      sum = addStatistics(sum, reply.statistics);
    }
    return sum;
  }

  /** The nodes' pages merged, the offset applied after the merge, failed shards counted. */
  function mergedResult(
    message: Search | Stream,
    nodes: readonly BroadcastNode[],
    answered: { replies: SearchResult[]; failedShards: number; contacted: number },
    failedBefore: number,
  ): SearchResult {
    const { offset, limit } = message.search;
    const merged = mergeHits(answered.replies, {
      offset,
      limit,
      ...(message.search.sort ? { sort: message.search.sort } : {}),
    });
    return {
      type: 'SearchResult',
      hits: merged.hits,
      totalHits: merged.totalHits,
      totalShards: nodes.reduce((sum, node) => sum + node.shardCount, 0),
      failedShards:
        failedBefore +
        answered.failedShards +
        answered.replies.reduce((sum, reply) => sum + reply.failedShards, 0),
      nodesContacted: answered.contacted,
    };
  }

  /** Every node's index sizes, summed by index. */
  async function listIndexes(signal: AbortSignal): Promise<ListIndexesResult> {
    const nodes = await broadcastDecision('', signal);
    metrics.broadcast('ListIndexes');
    const byName = new Map<string, ListIndexesResult['indexes'][number]>();
    const deadline = Date.now() + peerTimeoutMs;
    await withLimit(nodes, fanOutLimit, async (node) => {
      if (!node.available) {
        metrics.broadcastFailed(node.nodeId);
        return;
      }
      let reply: ListIndexesResult;
      try {
        reply = await askNode(
          node.nodeId,
          { type: 'ListIndexes' },
          {
            signal,
            deadline,
            attemptMs: peerTimeoutMs,
            retry: true,
            what: 'index statistics',
          },
        );
      } catch (error) {
        if (node.nodeId === nodeId) throw error;
        metrics.broadcastFailed(node.nodeId);
        return;
      }
      for (const entry of reply.indexes) {
        const known = byName.get(entry.name);
        if (known === undefined) {
          byName.set(entry.name, { ...entry, fields: [...entry.fields] });
          continue;
        }
        known.documentCount += entry.documentCount;
        known.indexSizeBytes += entry.indexSizeBytes;
        known.shardCount += entry.shardCount;
        for (const field of entry.fields) if (!known.fields.includes(field)) known.fields.push(field);
      }
    });
    const indexes = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { type: 'ListIndexesResult', indexes };
  }

  return {
    async execute<M extends ClientOp>(
      message: M,
      signal: AbortSignal,
      timeoutMs: number,
    ): Promise<ReplyOf<ClientOp, ClientReplies, M>> {
      const deadline = Date.now() + timeoutMs;
      type Reply = ReplyOf<ClientOp, ClientReplies, M>;
      const op = message as ClientOp;
      switch (op.type) {
        case 'Write':
        case 'Delete':
        case 'Get':
          return keyed(op, signal, deadline) as Promise<Reply>;
        case 'BulkWrite':
        case 'BulkDelete':
          return bulk(op, signal, deadline) as Promise<Reply>;
        case 'Search':
        case 'Stream':
          return search(op, signal) as Promise<Reply>;
        case 'ListIndexes':
          return listIndexes(signal) as Promise<Reply>;
        case 'GetConfig':
          // Every node holds every schema (pushed by the schema owner, pulled on join).
          return local.ask(op, { signal, timeoutMs }) as Promise<Reply>;
        case 'CreateConfig': {
          const changed = await changeSchema(
            op.schema.name,
            { kind: 'create', schema: op.schema },
            signal,
            deadline,
          );
          return { type: 'ConfigResult', schema: changed.schema, created: changed.created } as Reply;
        }
        case 'DropIndex': {
          const changed = await changeSchema(op.index, { kind: 'drop' }, signal, deadline);
          return { type: 'DropIndexResult', dropped: changed.dropped } as Reply;
        }
      }
    },
  };
}
