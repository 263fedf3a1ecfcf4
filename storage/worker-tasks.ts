/**
 * The storage task module a worker pool (piscina) loads: its default export runs one
 * StorageTask synchronously in the worker thread. Stores and readers stay open per thread,
 * keyed by shard path. Writes go to this thread's ShardStore for the shard; reads use the
 * thread's ShardStore when it has one, else a read-only ShardReader, so searches on other
 * threads run beside a bulk write.
 *
 * Several threads may hold a ShardStore of the same shard (a pool does not pin tasks to
 * threads): LMDB serialises their transactions and every writer catches SQLite up to LMDB
 * under SQLite's writer lock, in sequence order, so this stays correct; sending one shard's
 * writes to one thread is still faster.
 * @module
 */
import { CameoError, StorageFullError, assertNever, toCameoError } from '../messages/index.js';
import type { ShardQueries } from './shard-queries.js';
import { ShardReader } from './shard-reader.js';
import { collectStatistics, searchShards } from './node-search.js';
import { countShard } from './shard-search.js';
import { ShardStore, type ShardStoreOptions } from './shard-store.js';
import { isDiskFull, isStorageFull } from './storage-full.js';
import type { StorageTask, StorageTaskResult, StorageTaskValue } from './storage-task.js';

const stores = new Map<string, ShardStore>();
const readers = new Map<string, ShardReader>();

function storeFor(path: string, options: ShardStoreOptions | undefined): ShardStore {
  let store = stores.get(path);
  if (store === undefined) {
    store = new ShardStore(path, options);
    stores.set(path, store);
  }
  return store;
}

function readsFor(path: string): ShardQueries {
  const store = stores.get(path);
  if (store !== undefined) return store.reads;
  let reader = readers.get(path);
  if (reader === undefined) {
    reader = new ShardReader(path);
    readers.set(path, reader);
  }
  return reader.reads;
}

function run(task: StorageTask): StorageTaskValue {
  switch (task.kind) {
    case 'open':
      return { kind: task.kind, stats: storeFor(task.shardPath, task.options).stats() };
    case 'applyWrites':
      return {
        kind: task.kind,
        results: storeFor(task.shardPath, task.options).applyWrites(task.operations),
      };
    case 'get':
      return {
        kind: task.kind,
        // With the stamp: a read repair (rebalancing) hands it on with the copy.
        document: readsFor(task.shardPath).get(task.index, task.id, { withStamp: true }),
      };
    case 'scanDocuments':
      return {
        kind: task.kind,
        page: readsFor(task.shardPath).scan(task.index, task.afterId, task.limit),
      };
    case 'search':
      return {
        kind: task.kind,
        ...searchShards(task.shardPaths.map(readsFor), task.index, task.search, task.statistics, {
          reportStatistics: task.reportStatistics === true,
        }),
      };
    case 'searchStatistics':
      return { kind: task.kind, ...collectStatistics(task.shardPaths.map(readsFor), task.index, task.query) };
    case 'count':
      return { kind: task.kind, count: countShard(readsFor(task.shardPath), task.index, task.query) };
    case 'stats':
      return { kind: task.kind, stats: readsFor(task.shardPath).stats() };
    case 'documentCounts':
      return { kind: task.kind, indexes: readsFor(task.shardPath).documentCounts() };
    case 'getSchema':
      return { kind: task.kind, schema: readsFor(task.shardPath).getSchema(task.index) };
    case 'putSchema':
      return { kind: task.kind, schema: storeFor(task.shardPath, task.options).putSchema(task.schema) };
    case 'patchSchema':
      return {
        kind: task.kind,
        schema: storeFor(task.shardPath, task.options).patchSchema(task.index, task.patch),
      };
    case 'dropIndex':
      return { kind: task.kind, dropped: storeFor(task.shardPath, task.options).dropIndex(task.index) };
    case 'compact':
      return { kind: task.kind, result: storeFor(task.shardPath, task.options).compact() };
    case 'close': {
      readers.get(task.shardPath)?.close();
      readers.delete(task.shardPath);
      stores.get(task.shardPath)?.close();
      stores.delete(task.shardPath);
      return { kind: task.kind };
    }
    default:
      return assertNever(task);
  }
}

/** Runs one storage task; never throws: failures come back as `{ ok: false, error }`. */
export default function runStorageTask(task: StorageTask): StorageTaskResult {
  try {
    return { ok: true, ...run(task) };
  } catch (error) {
    return { ok: false, kind: task.kind, error: failureOf(task, error).toWire() };
  }
}

/** The typed error of a failed task. */
function failureOf(task: StorageTask, error: unknown): CameoError {
  if (error instanceof CameoError) return error;
  // A full disk met outside a write group (a schema change, a compaction) is still a full disk.
  const path = 'shardPath' in task ? task.shardPath : task.shardPaths[0];
  const full = path === undefined ? isStorageFull(error) : isDiskFull(error, path);
  if (full) return new StorageFullError(`the disk is full: ${task.kind} failed`, { cause: error });
  return toCameoError(error);
}
