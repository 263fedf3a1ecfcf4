/**
 * KeyValueCacheActor: a bounded least-recently-used cache, the worked example of
 * docs/ADDING_AN_ACTOR.md. Its protocol lives in messages/example-protocol.ts.
 * @module
 */
import type { CacheReplies, CacheRequest, JsonValue } from '../../messages/index.js';
import { CrashPolicy, defineActor, type ActorDefinition } from '../runtime/index.js';

/** Options of one cache instance. */
export interface KeyValueCacheOptions {
  /** Most entries kept; the least recently used one is evicted beyond it. */
  readonly capacity: number;
}

/** The cache's state: a Map keeps insertion order, which doubles as recency order. */
export interface KeyValueCacheState {
  readonly entries: Map<string, JsonValue>;
  hits: number;
  misses: number;
  evictions: number;
}

/** The definition of a cache with `capacity` entries (a closure gives each instance its options). */
export function keyValueCacheActor(
  options: KeyValueCacheOptions,
): ActorDefinition<CacheRequest, CacheReplies, KeyValueCacheState> {
  if (!Number.isInteger(options.capacity) || options.capacity < 1) {
    throw new RangeError(`cache capacity must be an integer >= 1, got ${String(options.capacity)}`);
  }
  return defineActor<CacheRequest, CacheReplies, KeyValueCacheState>({
    name: 'key-value-cache',
    initialState: () => ({ entries: new Map(), hits: 0, misses: 0, evictions: 0 }),
    // A cache may lose its contents: restart with an empty one rather than keep a suspect state.
    supervision: { policy: CrashPolicy.Restart, restartLimit: { maxRestarts: 5, withinMs: 10_000 } },
    mailboxLimit: 1_000,
    receive: {
      CachePut(state, message) {
        state.entries.delete(message.key);
        state.entries.set(message.key, message.value);
        let evictedKey: string | undefined;
        if (state.entries.size > options.capacity) {
          evictedKey = state.entries.keys().next().value as string;
          state.entries.delete(evictedKey);
          state.evictions++;
        }
        return evictedKey === undefined ? { type: 'CachePutReply' } : { type: 'CachePutReply', evictedKey };
      },
      CacheGet(state, message) {
        if (!state.entries.has(message.key)) {
          state.misses++;
          return { type: 'CacheGetReply', found: false };
        }
        const value = state.entries.get(message.key) as JsonValue;
        // Move to the most recently used end.
        state.entries.delete(message.key);
        state.entries.set(message.key, value);
        state.hits++;
        return { type: 'CacheGetReply', found: true, value };
      },
      CacheDelete(state, message) {
        return { type: 'CacheDeleteReply', deleted: state.entries.delete(message.key) };
      },
      CacheStats(state) {
        return {
          type: 'CacheStatsReply',
          entries: state.entries.size,
          capacity: options.capacity,
          hits: state.hits,
          misses: state.misses,
          evictions: state.evictions,
        };
      },
    },
  });
}
