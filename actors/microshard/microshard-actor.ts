/**
 * MicroshardActor: one shard of one node. Its ShardStore lives in one writer thread (a
 * one-thread WorkerPool the node may share between shards), it commits writes in groups, and
 * sends reads by id and counts to the node's shared reader pool so they never wait behind a
 * bulk write. Searches do not pass through it: the orchestrator searches all the node's
 * shards in one reader task, so they rank together (storage/node-search.ts). It is supervised
 * with restart: a crash closes the shard's store, and the fresh state reopens it, replaying the log.
 * @module
 */
import {
  CameoError,
  errorFromWire,
  type ItemResult,
  type ShardReplies,
  type ShardRequest,
} from '../../messages/index.js';
import {
  type ShardTaskOptions,
  type StorageTask,
  type StorageTaskResult,
  type WriteOperation,
} from '../../storage/index.js';
import {
  CrashPolicy,
  defineActor,
  type ActorDefinition,
  type WorkerPool,
  type WorkerPoolSnapshot,
} from '../runtime/index.js';
import { GroupCommitter, type GroupCommitSnapshot } from './group-commit.js';
import { runTask } from './run-task.js';

/** What one shard needs to run. */
export interface MicroshardOptions {
  readonly shardId: number;
  /** The shard's directory (LMDB + SQLite files). */
  readonly shardPath: string;
  /** The node's pool of reader threads, shared by all shards. */
  readonly readers: WorkerPool<StorageTask, StorageTaskResult>;
  /**
   * The one-thread pool this shard writes on (owned by the node, possibly shared with other
   * shards): a shard's store lives in exactly one thread, so its writes never contend.
   */
  readonly writer: WorkerPool<StorageTask, StorageTaskResult>;
  readonly storeOptions?: ShardTaskOptions;
  /** Most write operations in one group commit (default 5000). */
  readonly maxGroupOperations?: number;
  /** Where the running shard publishes its probes for health and metrics (owned by the node). */
  readonly probes?: Map<number, MicroshardProbe>;
}

/** Live counters of a running shard. */
export interface MicroshardProbe {
  readonly commits: () => GroupCommitSnapshot;
  readonly writer: () => WorkerPoolSnapshot;
}

/** The live parts of a running shard. */
export interface MicroshardState {
  readonly writer: WorkerPool<StorageTask, StorageTaskResult>;
  readonly committer: GroupCommitter;
}

type SuccessfulItem = Extract<ItemResult, { ok: true }>;

/** Commits one operation in the next group; its failure is thrown as its own error class. */
async function commitOne(committer: GroupCommitter, operation: WriteOperation): Promise<SuccessfulItem> {
  return single(await committer.submit([operation]));
}

function single(results: ItemResult[]): SuccessfulItem {
  const [result] = results;
  if (result === undefined) throw new CameoError('INTERNAL_ERROR', 'a write returned no result');
  if (!result.ok) throw errorFromWire(result.error);
  return result;
}

/** The definition of the actor for one shard. */
export function microshardActor(
  options: MicroshardOptions,
): ActorDefinition<ShardRequest, ShardReplies, MicroshardState> {
  const { shardPath, readers, storeOptions } = options;
  const withOptions = storeOptions === undefined ? {} : { options: storeOptions };
  return defineActor<ShardRequest, ShardReplies, MicroshardState>({
    name: `microshard-${options.shardId}`,
    // Handlers only enqueue work for threads; many may wait at once (group commit needs it).
    concurrency: 4096,
    mailboxLimit: 20_000,
    messageDeadlineMs: 120_000,
    supervision: { policy: CrashPolicy.Restart, restartLimit: { maxRestarts: 5, withinMs: 60_000 } },
    async initialState() {
      const writer = options.writer;
      // Opening the store in the writer thread runs recovery before any read is served.
      await runTask(writer, { kind: 'open', shardPath, ...withOptions });
      const committer = new GroupCommitter(
        async (operations: WriteOperation[]) =>
          (await runTask(writer, { kind: 'applyWrites', shardPath, operations, ...withOptions })).results,
        options.maxGroupOperations,
      );
      options.probes?.set(options.shardId, {
        commits: () => committer.snapshot(),
        writer: () => writer.snapshot(),
      });
      return { writer, committer };
    },
    async onStop(state) {
      options.probes?.delete(options.shardId);
      // The thread stays (the node owns it); closing the store makes a restart reopen and replay it.
      await runTask(state.writer, { kind: 'close', shardPath });
    },
    receive: {
      async WriteRequest(state, message) {
        const result = await commitOne(state.committer, {
          kind: 'upsert',
          position: 0,
          index: message.index,
          id: message.id,
          doc: message.doc,
          ...(message.routingKey === undefined ? {} : { routingKey: message.routingKey }),
        });
        return {
          type: 'WriteReply',
          id: result.id,
          result: result.result === 'created' ? 'created' : 'updated',
          version: result.version,
        };
      },
      async BatchWriteRequest(state, message) {
        const operations = message.items.map((item): WriteOperation => {
          const routing = item.routingKey === undefined ? {} : { routingKey: item.routingKey };
          const common = { position: item.position, index: message.index, id: item.id, doc: item.doc };
          // A handed-off document (rebalancing) is applied only if nothing newer is here.
          return message.adopt === true
            ? {
                kind: 'adopt',
                ...common,
                version: item.version ?? 1,
                ...(item.stamp === undefined ? {} : { stamp: item.stamp }),
                ...routing,
              }
            : { kind: 'upsert', ...common, ...routing };
        });
        return { type: 'BatchReply', results: await state.committer.submit(operations) };
      },
      async DeleteRequest(state, message) {
        const result = await commitOne(state.committer, {
          kind: 'delete',
          position: 0,
          index: message.index,
          id: message.id,
        });
        return {
          type: 'DeleteReply',
          id: result.id,
          result: result.result === 'deleted' ? 'deleted' : 'not_found',
          version: result.version,
        };
      },
      async BatchDeleteRequest(state, message) {
        const operations = message.items.map((item): WriteOperation => ({
          kind: 'delete',
          position: item.position,
          index: message.index,
          id: item.id,
          ...(item.ifVersion === undefined ? {} : { ifVersion: item.ifVersion }),
          ...(message.handedOff === true ? { handedOff: true } : {}),
        }));
        return { type: 'BatchReply', results: await state.committer.submit(operations) };
      },
      async GetRequest(_state, message, context) {
        const { document } = await runTask(
          readers,
          { kind: 'get', shardPath, index: message.index, id: message.id },
          context.signal,
        );
        return document === undefined
          ? { type: 'GetReply', id: message.id, found: false }
          : {
              type: 'GetReply',
              id: message.id,
              found: true,
              doc: document.doc,
              version: document.version,
              ...(document.stamp === undefined ? {} : { stamp: document.stamp }),
            };
      },
      async CountRequest(_state, message, context) {
        const { count } = await runTask(
          readers,
          { kind: 'count', shardPath, index: message.index, query: message.query },
          context.signal,
        );
        return { type: 'CountReply', count };
      },
      async StatsRequest(state, message, context) {
        const pool = message.fromWriter === true ? state.writer : readers;
        const { stats } = await runTask(pool, { kind: 'stats', shardPath }, context.signal);
        return {
          type: 'StatsReply',
          indexes: stats.indexes,
          bytesOnDisk: stats.bytesOnDisk,
          watermark: stats.watermark,
        };
      },
      async DocumentCountsRequest(_state, _message, context) {
        const { indexes } = await runTask(readers, { kind: 'documentCounts', shardPath }, context.signal);
        return { type: 'DocumentCountsReply', indexes };
      },
      async GetSchemaRequest(state, message) {
        // The writer's view: schema changes are made there, so it is never behind.
        const { schema } = await runTask(state.writer, {
          kind: 'getSchema',
          shardPath,
          index: message.index,
        });
        return schema === undefined ? { type: 'SchemaReply' } : { type: 'SchemaReply', schema };
      },
      async PutSchemaRequest(state, message) {
        const { schema } = await runTask(state.writer, {
          kind: 'putSchema',
          shardPath,
          schema: message.schema,
          ...withOptions,
        });
        return { type: 'SchemaReply', schema };
      },
      async DropIndexRequest(state, message) {
        const { dropped } = await runTask(state.writer, {
          kind: 'dropIndex',
          shardPath,
          index: message.index,
          ...withOptions,
        });
        return { type: 'DropIndexReply', dropped };
      },
      async CompactRequest(state) {
        const { result } = await runTask(state.writer, { kind: 'compact', shardPath, ...withOptions });
        return { type: 'CompactReply', bytesBefore: result.bytesBefore, bytesAfter: result.bytesAfter };
      },
    },
  });
}
