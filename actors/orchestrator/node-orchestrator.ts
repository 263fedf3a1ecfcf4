/**
 * NodeOrchestrator: the node's owner of its shards. It spawns one supervised
 * MicroshardActor per shard, hydrates the schema cache from them, and maps every client
 * operation to shard work: keyed operations to the shard the ring names, searches and
 * metadata to all shards (merging their answers). Registered as `orchestrator-<nodeId>`.
 * @module
 */
import {
  CameoError,
  IndexNotFoundError,
  ValidationError,
  errorFromWire,
  type CollectSearchStatistics,
  type BulkDeleteResult,
  type BulkWriteResult,
  type ClientOp,
  type ClientReplies,
  type IndexSchema,
  type IndexStats,
  type ItemResult,
  type OrchestratorClusterReplies,
  type OrchestratorClusterRequest,
  type JsonObject,
  type Search,
  type SearchResult,
  type SearchStatistics,
  type ShardReplies,
  type ShardRequest,
  type Stream,
  type WireError,
} from '../../messages/index.js';
import {
  checkCompatible,
  evolveSchemaForAll,
  type ShardFailure,
  type StorageTask,
  type StorageTaskResult,
} from '../../storage/index.js';
import { HashRing, routeKey } from '../coordinator/index.js';
import { microshardActor, type MicroshardProbe } from '../microshard/microshard-actor.js';
import { runTask } from '../microshard/run-task.js';
import type { ActorRef } from '../ref.js';
import { CrashPolicy, defineActor, type ActorDefinition, type WorkerPool } from '../runtime/index.js';
import { schemaLacksFieldsOf } from './handoff-schema.js';
import { RecentRequests } from './recent-requests.js';
import { SchemaCache, sameSchemaContent } from './schema-cache.js';
import type { Registry } from 'prom-client';

/** What a node's orchestrator needs. */
export interface NodeOrchestratorOptions {
  readonly nodeId: string;
  /** Shard directories; the position is the shard id. */
  readonly shardPaths: readonly string[];
  readonly readers: WorkerPool<StorageTask, StorageTaskResult>;
  /** One-thread writer pools; shard i writes on `writers[i % writers.length]`. */
  readonly writers: readonly WorkerPool<StorageTask, StorageTaskResult>[];
  /** Create an unknown index from the first document written to it. */
  readonly autoCreateIndexes: boolean;
  readonly probes: Map<number, MicroshardProbe>;
  readonly metricsRegistry?: Registry;
  /** Deadline of one ask to a shard (default 60 s); the caller's own deadline also applies. */
  readonly shardAskTimeoutMs?: number;
  /**
   * The schema cache, when another actor of the node must read it too (the cluster router
   * reads routing fields from it); a private one by default.
   */
  readonly schemas?: SchemaCache;
  /** Single-write request ids remembered for idempotent retries (default 10,000; bulk batches: a tenth). */
  readonly recentRequests?: number;
}

/** Every message a NodeOrchestrator accepts: the client operations and the cluster's schema messages. */
export type OrchestratorRequest = ClientOp | OrchestratorClusterRequest;
/** The replies of the orchestrator, by request `type`. */
export type OrchestratorReplies = ClientReplies & OrchestratorClusterReplies;

/** The orchestrator's live parts. */
export interface NodeOrchestratorState {
  readonly shards: readonly ActorRef<ShardRequest, ShardReplies>[];
  readonly ring: HashRing;
  readonly schemas: SchemaCache;
}

type ShardRef = ActorRef<ShardRequest, ShardReplies>;
type SuccessfulItem = Extract<ItemResult, { ok: true }>;

/** Error codes that mean the request itself is wrong: the same on every shard, so not a shard failure. */
const REQUEST_ERROR_CODES = new Set([
  'VALIDATION_ERROR',
  'QUERY_SYNTAX_ERROR',
  'INDEX_NOT_FOUND',
  'FIELD_TYPE_ERROR',
  'INVALID_ID',
]);

function isRequestError(error: unknown): boolean {
  return error instanceof CameoError && REQUEST_ERROR_CODES.has(error.code);
}

/** The definition of a node's orchestrator. */
export function nodeOrchestrator(
  options: NodeOrchestratorOptions,
): ActorDefinition<OrchestratorRequest, OrchestratorReplies, NodeOrchestratorState> {
  const { nodeId } = options;
  // Outside the state on purpose: a restarted orchestrator still recognises a retried write.
  const recent = new RecentRequests(options.recentRequests ?? 10_000);
  // Bulk replies can be large (one error per item): remember fewer of them.
  const recentBatches = new RecentRequests(Math.max(1, Math.floor((options.recentRequests ?? 10_000) / 10)));
  const askOptions = (signal: AbortSignal) => ({ signal, timeoutMs: options.shardAskTimeoutMs ?? 60_000 });

  function requireSchema(state: NodeOrchestratorState, index: string): IndexSchema {
    const schema = state.schemas.get(index);
    if (schema === undefined) throw new IndexNotFoundError(index);
    return schema;
  }

  function shardFor(
    state: NodeOrchestratorState,
    schema: IndexSchema | undefined,
    input: { id: string; routingKey?: string | undefined; doc?: JsonObject },
  ): number {
    const key = routeKey({
      ...(schema?.routingField === undefined ? {} : { routingField: schema.routingField }),
      ...(input.routingKey === undefined ? {} : { routingKey: input.routingKey }),
      id: input.id,
      ...(input.doc === undefined ? {} : { doc: input.doc }),
    });
    return state.ring.ownerOf(key).shardId;
  }

  async function putSchemaEverywhere(
    state: NodeOrchestratorState,
    schema: IndexSchema,
    signal: AbortSignal,
  ): Promise<IndexSchema> {
    const replies = await Promise.all(
      state.shards.map((shard) => shard.ask({ type: 'PutSchemaRequest', schema }, askOptions(signal))),
    );
    const stored = replies[0]?.schema ?? schema;
    state.schemas.set(schema.name, stored);
    return stored;
  }

  /** Makes sure every shard knows every field of `docs` before they are routed. */
  async function ensureSchema(
    state: NodeOrchestratorState,
    index: string,
    docs: readonly JsonObject[],
    signal: AbortSignal,
  ): Promise<IndexSchema> {
    const evolve = (current: IndexSchema | undefined): IndexSchema | undefined =>
      evolveSchemaForAll(current, index, docs);
    const cached = state.schemas.get(index);
    if (cached === undefined && !options.autoCreateIndexes) throw new IndexNotFoundError(index);
    if (cached !== undefined && evolve(cached) === undefined) return cached;
    return state.schemas.withLock(index, async () => {
      const current = state.schemas.get(index);
      const next = evolve(current);
      if (next === undefined) return current!;
      return putSchemaEverywhere(state, next, signal);
    });
  }

  async function indexStats(state: NodeOrchestratorState, signal: AbortSignal): Promise<IndexStats[][]> {
    const replies = await Promise.all(
      state.shards.map((shard) => shard.ask({ type: 'StatsRequest' }, askOptions(signal))),
    );
    return replies.map((reply) => reply.indexes);
  }

  /**
   * How many shards failed, once request errors (the same on every shard: a bad query, an
   * unknown field) are thrown; when every shard failed, the first failure is thrown.
   */
  function countShardFailures(failures: readonly ShardFailure[]): number {
    const errors = failures.map((failure) => errorFromWire(failure.error));
    const requestError = errors.find(isRequestError);
    if (requestError !== undefined) throw requestError;
    if (errors.length > 0 && errors.length === options.shardPaths.length) throw errors[0];
    return errors.length;
  }

  /**
   * One reader task searches every shard of the node: BM25 statistics summed over them (or
   * the cluster's, when the message brings them), rows merged, documents read for the page only.
   */
  async function search(message: Search | Stream, signal: AbortSignal): Promise<SearchResult> {
    const result = await runTask(
      options.readers,
      {
        kind: 'search',
        shardPaths: options.shardPaths,
        index: message.index,
        search: message.search,
        ...(message.statistics === undefined ? {} : { statistics: message.statistics }),
        ...(message.reportStatistics === true ? { reportStatistics: true } : {}),
      },
      signal,
    );
    const failedShards = countShardFailures(result.shardErrors);
    return {
      type: 'SearchResult',
      hits: result.hits,
      totalHits: result.totalHits,
      totalShards: options.shardPaths.length,
      failedShards,
      nodesContacted: 1,
      ...(result.statistics === undefined ? {} : { statistics: result.statistics }),
    };
  }

  async function searchStatistics(
    message: CollectSearchStatistics,
    signal: AbortSignal,
  ): Promise<SearchStatistics> {
    const result = await runTask(
      options.readers,
      {
        kind: 'searchStatistics',
        shardPaths: options.shardPaths,
        index: message.index,
        query: message.query,
      },
      signal,
    );
    return {
      type: 'SearchStatistics',
      statistics: result.statistics,
      totalShards: options.shardPaths.length,
      failedShards: countShardFailures(result.shardErrors),
    };
  }

  function itemError(result: Extract<ItemResult, { ok: false }>): {
    position: number;
    id: string;
    error: WireError;
  } {
    return { position: result.position, id: result.id, error: result.error };
  }

  /** Numbers the caller's items, sends them to their shards (one batch per shard) and collects the results by position. */
  async function perShardBatches<T extends { id: string; routingKey?: string | undefined; doc?: JsonObject }>(
    state: NodeOrchestratorState,
    schema: IndexSchema,
    items: readonly T[],
    send: (shard: ShardRef, items: Array<T & { position: number }>) => Promise<ItemResult[]>,
  ): Promise<ItemResult[]> {
    const groups = new Map<number, Array<T & { position: number }>>();
    for (const [position, caller] of items.entries()) {
      const item = { ...caller, position };
      const shardId = shardFor(state, schema, item);
      let group = groups.get(shardId);
      if (group === undefined) groups.set(shardId, (group = []));
      group.push(item);
    }
    const results: ItemResult[] = [];
    await Promise.all(
      [...groups].map(async ([shardId, group]) => {
        try {
          results.push(...(await send(state.shards[shardId]!, group)));
        } catch (error) {
          // The shard failed as a whole: every item it held failed with that error.
          const wire = (
            error instanceof CameoError ? error : new CameoError('INTERNAL_ERROR', String(error))
          ).toWire();
          for (const item of group)
            results.push({ ok: false, position: item.position, id: item.id, error: wire });
        }
      }),
    );
    return results.sort((a, b) => a.position - b.position);
  }

  return defineActor<OrchestratorRequest, OrchestratorReplies, NodeOrchestratorState>({
    name: 'orchestrator',
    // Handlers mostly wait on shards; many requests are in flight at once.
    concurrency: 4096,
    mailboxLimit: 10_000,
    messageDeadlineMs: 120_000,
    supervision: { policy: CrashPolicy.Restart, restartLimit: { maxRestarts: 5, withinMs: 60_000 } },
    async initialState(context) {
      const shards = options.shardPaths.map((shardPath, shardId) =>
        context.spawn(
          microshardActor({
            shardId,
            shardPath,
            readers: options.readers,
            writer: options.writers[shardId % options.writers.length]!,
            storeOptions: { autoCreateIndexes: options.autoCreateIndexes },
            probes: options.probes,
          }),
          { name: `microshard-${shardId}`, registerAs: `microshard-${nodeId}-${shardId}` },
        ),
      );
      const schemas = options.schemas ?? new SchemaCache();
      schemas.clear();
      // Hydrate: the newest version of each index's schema among the shards.
      // From the writer threads: reader threads start on the first client read, not here.
      const stats = await Promise.all(
        shards.map((shard) => shard.ask({ type: 'StatsRequest', fromWriter: true })),
      );
      const names = new Set(stats.flatMap((reply) => reply.indexes.map((index) => index.name)));
      for (const name of names) {
        const replies = await Promise.all(
          shards.map((shard) => shard.ask({ type: 'GetSchemaRequest', index: name })),
        );
        for (const reply of replies) {
          const current = schemas.get(name);
          if (
            reply.schema !== undefined &&
            (current === undefined || reply.schema.version > current.version)
          ) {
            schemas.set(name, reply.schema);
          }
        }
      }
      const ring = new HashRing([{ nodeId, shardCount: shards.length }]);
      context.logger.info({ shards: shards.length, indexes: schemas.names() }, 'node orchestrator ready');
      return { shards, ring, schemas };
    },
    receive: {
      Write: (state, message, context) =>
        recent.run(message.requestId, async () => {
          const schema = await ensureSchema(state, message.index, [message.doc], context.signal);
          const shardId = shardFor(state, schema, message);
          const reply = await state.shards[shardId]!.ask(
            {
              type: 'WriteRequest',
              index: message.index,
              id: message.id,
              doc: message.doc,
              ...(message.routingKey === undefined ? {} : { routingKey: message.routingKey }),
            },
            askOptions(context.signal),
          );
          return {
            type: 'WriteResult',
            id: reply.id,
            result: reply.result,
            version: reply.version,
            shardId,
            nodeId,
          };
        }),
      BulkWrite: (state, message, context) =>
        recentBatches.run(message.requestId, async (): Promise<BulkWriteResult> => {
          const schema = await ensureSchema(
            state,
            message.index,
            message.items.map((item) => item.doc),
            context.signal,
          );
          const results = await perShardBatches(
            state,
            schema,
            message.items,
            async (shard, group) =>
              (
                await shard.ask(
                  {
                    type: 'BatchWriteRequest',
                    index: message.index,
                    items: group.map((item) => ({
                      position: item.position,
                      id: item.id,
                      doc: item.doc,
                      ...(item.routingKey === undefined ? {} : { routingKey: item.routingKey }),
                    })),
                  },
                  askOptions(context.signal),
                )
              ).results,
          );
          const errors = results.filter((result) => !result.ok).map(itemError);
          return {
            type: 'BulkWriteResult',
            itemsReceived: message.items.length,
            itemsWritten: results.length - errors.length,
            errors,
          };
        }),
      Delete: (state, message, context) =>
        recent.run(message.requestId, async () => {
          const schema = requireSchema(state, message.index);
          const shardId = shardFor(state, schema, message);
          const reply = await state.shards[shardId]!.ask(
            { type: 'DeleteRequest', index: message.index, id: message.id },
            askOptions(context.signal),
          );
          return {
            type: 'DeleteResult',
            id: reply.id,
            result: reply.result,
            version: reply.version,
            shardId,
            nodeId,
          };
        }),
      BulkDelete: (state, message, context) =>
        recentBatches.run(message.requestId, async (): Promise<BulkDeleteResult> => {
          const schema = requireSchema(state, message.index);
          const results = await perShardBatches(
            state,
            schema,
            message.items,
            async (shard, group) =>
              (
                await shard.ask(
                  {
                    type: 'BatchDeleteRequest',
                    index: message.index,
                    items: group.map((item) => ({ position: item.position, id: item.id })),
                  },
                  askOptions(context.signal),
                )
              ).results,
          );
          const errors = results.filter((result) => !result.ok).map(itemError);
          const deleted = results.filter(
            (result): result is SuccessfulItem => result.ok && result.result === 'deleted',
          ).length;
          return {
            type: 'BulkDeleteResult',
            itemsReceived: message.items.length,
            itemsDeleted: deleted,
            errors,
          };
        }),
      async Get(state, message, context) {
        const schema = requireSchema(state, message.index);
        const shardId = shardFor(state, schema, message);
        const reply = await state.shards[shardId]!.ask(
          { type: 'GetRequest', index: message.index, id: message.id },
          askOptions(context.signal),
        );
        return {
          type: 'GetResult',
          id: reply.id,
          found: reply.found,
          ...(reply.doc === undefined ? {} : { doc: reply.doc }),
          ...(reply.version === undefined ? {} : { version: reply.version }),
          ...(reply.stamp === undefined ? {} : { stamp: reply.stamp }),
          shardId,
          nodeId,
        };
      },
      Search: (state, message, context) => {
        requireSchema(state, message.index);
        return search(message, context.signal);
      },
      Stream: (state, message, context) => {
        requireSchema(state, message.index);
        return search(message, context.signal);
      },
      CollectSearchStatistics: (state, message, context) => {
        requireSchema(state, message.index);
        return searchStatistics(message, context.signal);
      },
      GetConfig(state, message) {
        const schema = state.schemas.get(message.index);
        return schema === undefined ? { type: 'ConfigResult' } : { type: 'ConfigResult', schema };
      },
      async CreateConfig(state, message, context) {
        const name = message.schema.name;
        return state.schemas.withLock(name, async () => {
          const current = state.schemas.get(name);
          if (current !== undefined) {
            const stats = await indexStats(state, context.signal);
            const populated = stats.some((shard) =>
              shard.some((index) => index.name === name && index.documents > 0),
            );
            if (populated) checkCompatible(current, message.schema);
          }
          const next = { ...message.schema, version: (current?.version ?? 0) + 1 };
          const schema = await putSchemaEverywhere(state, next, context.signal);
          return { type: 'ConfigResult', schema, created: current === undefined };
        });
      },
      async DropIndex(state, message, context) {
        return state.schemas.withLock(message.index, async () => {
          const replies = await Promise.all(
            state.shards.map((shard) =>
              shard.ask({ type: 'DropIndexRequest', index: message.index }, askOptions(context.signal)),
            ),
          );
          const known = state.schemas.get(message.index) !== undefined;
          state.schemas.set(message.index, undefined);
          return { type: 'DropIndexResult', dropped: known || replies.some((reply) => reply.dropped) };
        });
      },
      async InstallSchema(state, message, context) {
        const name = message.schema.name;
        return state.schemas.withLock(name, async () => {
          const current = state.schemas.get(name);
          const wanted = message.schema;
          if (current !== undefined && sameSchemaContent(current, wanted)) {
            return { type: 'SchemaInstalled', schema: current, changed: false };
          }
          if (current !== undefined && message.onlyIfNewer === true && wanted.version <= current.version) {
            return { type: 'SchemaInstalled', schema: current, changed: false };
          }
          const schema = await putSchemaEverywhere(state, wanted, context.signal);
          return { type: 'SchemaInstalled', schema, changed: true };
        });
      },
      async ScanDocuments(_state, message, context) {
        const shardPath = options.shardPaths[message.shardId];
        if (shardPath === undefined) throw new ValidationError(`this node has no shard ${message.shardId}`);
        const { page } = await runTask(
          options.readers,
          {
            kind: 'scanDocuments',
            shardPath,
            index: message.index,
            limit: message.limit,
            ...(message.afterId === undefined ? {} : { afterId: message.afterId }),
          },
          context.signal,
        );
        return {
          type: 'DocumentsScanned',
          documents: page.documents.map((document) => ({ ...document })),
          ...(page.next === undefined ? {} : { next: page.next }),
        };
      },
      async AcceptHandoff(state, message, context) {
        const schema = requireSchema(state, message.index);
        // A document with a field this node's schema lacks would evolve one shard's schema on
        // its own; schemas change through the schema owner only. Refused: the sender keeps it
        // and sends it again once this node has the schema.
        const behind = message.items.filter((item) => schemaLacksFieldsOf(schema, item.doc));
        const accepted = message.items.filter((item) => !behind.includes(item));
        const results = await perShardBatches(state, schema, accepted, async (shard, group) => {
          const reply = await shard.ask(
            {
              type: 'BatchWriteRequest',
              index: message.index,
              adopt: true,
              items: group.map((item) => ({
                position: item.position,
                id: item.id,
                doc: item.doc,
                version: item.version,
                ...(item.stamp === undefined ? {} : { stamp: item.stamp }),
                ...(item.routingKey === undefined ? {} : { routingKey: item.routingKey }),
              })),
            },
            askOptions(context.signal),
          );
          return reply.results;
        });
        let adopted = 0;
        let skipped = 0;
        let replaced = 0;
        const failed: Array<{ id: string; error: WireError }> = behind.map((item) => ({
          id: item.id,
          error: new ValidationError(
            `document "${item.id}" has fields the schema of "${message.index}" on node ${nodeId} lacks; retry after the schema reaches it`,
          ).toWire(),
        }));
        for (const result of results) {
          if (!result.ok) failed.push({ id: result.id, error: result.error });
          else if (result.result === 'skipped') skipped++;
          else {
            adopted++;
            // `updated`: a newer copy replaced the live document (hybrid logical clock stamps).
            if (result.result === 'updated') replaced++;
          }
        }
        return { type: 'HandoffAccepted', adopted, skipped, failed, replaced };
      },
      async ReleaseHandedOff(state, message, context) {
        const shard = state.shards[message.shardId];
        if (shard === undefined) throw new ValidationError(`this node has no shard ${message.shardId}`);
        const reply = await shard.ask(
          {
            type: 'BatchDeleteRequest',
            index: message.index,
            handedOff: true,
            items: message.items.map((item, position) => ({
              position,
              id: item.id,
              ifVersion: item.version,
            })),
          },
          askOptions(context.signal),
        );
        let removed = 0;
        for (const result of reply.results) {
          if (!result.ok) throw errorFromWire(result.error);
          if (result.result === 'deleted') removed++;
        }
        return { type: 'HandedOffReleased', removed, kept: message.items.length - removed };
      },
      ListSchemas(state) {
        const schemas = state.schemas.names().flatMap((name) => state.schemas.get(name) ?? []);
        return { type: 'SchemaList', schemas };
      },
      async ListIndexes(state, _message, context) {
        const stats = await indexStats(state, context.signal);
        const indexes = state.schemas.names().map((name) => {
          let documentCount = 0;
          let indexSizeBytes = 0;
          for (const shard of stats) {
            const entry = shard.find((index) => index.name === name);
            documentCount += entry?.documents ?? 0;
            indexSizeBytes += entry?.bytes ?? 0;
          }
          const fields = state.schemas.get(name)?.fields.map((field) => field.name) ?? [];
          return { name, documentCount, indexSizeBytes, shardCount: state.shards.length, fields };
        });
        return { type: 'ListIndexesResult', indexes };
      },
    },
  });
}
