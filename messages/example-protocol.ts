/**
 * The protocol of the example KeyValueCacheActor (actors/examples/), the actor that
 * docs/ADDING_AN_ACTOR.md walks through. A small bounded cache: put, get, delete, stats.
 * @module
 */
import { z } from 'zod';
import { jsonValueSchema } from './common.js';
import { defineMessage, type MessageOf } from './registry.js';

const cacheKey = z.string().min(1).max(256);

/** Stores `value` under `key`; the least recently used entry is evicted when the cache is full. */
export const CachePut = defineMessage(
  'CachePut',
  z.object({ type: z.literal('CachePut'), key: cacheKey, value: jsonValueSchema }),
);
/** Stores a value. */
export type CachePut = MessageOf<typeof CachePut>;

/** Reply to CachePut: the key evicted to make room, if any. */
export const CachePutReply = defineMessage(
  'CachePutReply',
  z.object({ type: z.literal('CachePutReply'), evictedKey: z.string().optional() }),
);
/** Reply to CachePut. */
export type CachePutReply = MessageOf<typeof CachePutReply>;

/** Reads the value under `key`. */
export const CacheGet = defineMessage('CacheGet', z.object({ type: z.literal('CacheGet'), key: cacheKey }));
/** Reads a value. */
export type CacheGet = MessageOf<typeof CacheGet>;

/** Reply to CacheGet; `value` is absent when `found` is false. */
export const CacheGetReply = defineMessage(
  'CacheGetReply',
  z.object({ type: z.literal('CacheGetReply'), found: z.boolean(), value: jsonValueSchema.optional() }),
);
/** Reply to CacheGet. */
export type CacheGetReply = MessageOf<typeof CacheGetReply>;

/** Removes `key`. */
export const CacheDelete = defineMessage(
  'CacheDelete',
  z.object({ type: z.literal('CacheDelete'), key: cacheKey }),
);
/** Removes a key. */
export type CacheDelete = MessageOf<typeof CacheDelete>;

/** Reply to CacheDelete. */
export const CacheDeleteReply = defineMessage(
  'CacheDeleteReply',
  z.object({ type: z.literal('CacheDeleteReply'), deleted: z.boolean() }),
);
/** Reply to CacheDelete. */
export type CacheDeleteReply = MessageOf<typeof CacheDeleteReply>;

/** Asks for the cache's counters. */
export const CacheStats = defineMessage('CacheStats', z.object({ type: z.literal('CacheStats') }));
/** Asks for the counters. */
export type CacheStats = MessageOf<typeof CacheStats>;

/** Reply to CacheStats. */
export const CacheStatsReply = defineMessage(
  'CacheStatsReply',
  z.object({
    type: z.literal('CacheStatsReply'),
    entries: z.number().int().nonnegative(),
    capacity: z.number().int().positive(),
    hits: z.number().int().nonnegative(),
    misses: z.number().int().nonnegative(),
    evictions: z.number().int().nonnegative(),
  }),
);
/** Reply to CacheStats. */
export type CacheStatsReply = MessageOf<typeof CacheStatsReply>;

/** Every message the KeyValueCacheActor accepts. */
export type CacheRequest = CachePut | CacheGet | CacheDelete | CacheStats;

/** The reply type of each cache request, by its `type`. */
export interface CacheReplies {
  CachePut: CachePutReply;
  CacheGet: CacheGetReply;
  CacheDelete: CacheDeleteReply;
  CacheStats: CacheStatsReply;
}
