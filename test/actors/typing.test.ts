/**
 * Type tests: the compiler (tsc over test/) checks the `@ts-expect-error` lines; the
 * runtime assertions keep the file an honest test.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CacheGetReply, CacheReplies, CacheRequest } from '../../messages/index.js';
import { defineActor, keyValueCacheActor, type ActorSystem } from '../../actors/index.js';
import { testSystem } from './support.js';

describe('typed definitions and refs', () => {
  let system: ActorSystem;
  afterEach(async () => {
    await system.stop();
  });

  it('types each reply by its request and refuses foreign messages at compile time', async () => {
    ({ system } = testSystem());
    const cache = system.spawn(keyValueCacheActor({ capacity: 1 }));
    const reply: CacheGetReply = await cache.ask({ type: 'CacheGet', key: 'k' });
    expect(reply.found).toBe(false);
    // @ts-expect-error a CacheGet reply is not a stats reply
    const wrong: { entries: number } = await cache.ask({ type: 'CacheGet', key: 'k' });
    expect(wrong).toEqual({ type: 'CacheGetReply', found: false });
    // @ts-expect-error not a message of this protocol
    cache.tell({ type: 'WriteRequest' });
  });

  it('requires one handler per request type, returning that request type reply', () => {
    ({ system } = testSystem());
    const complete = defineActor<CacheRequest, CacheReplies, undefined>({
      name: 'complete',
      initialState: () => undefined,
      receive: {
        CachePut: () => ({ type: 'CachePutReply' }),
        CacheGet: () => ({ type: 'CacheGetReply', found: false }),
        CacheDelete: () => ({ type: 'CacheDeleteReply', deleted: false }),
        CacheStats: () => ({
          type: 'CacheStatsReply',
          entries: 0,
          capacity: 1,
          hits: 0,
          misses: 0,
          evictions: 0,
        }),
      },
    });
    expect(Object.keys(complete.receive).sort()).toEqual([
      'CacheDelete',
      'CacheGet',
      'CachePut',
      'CacheStats',
    ]);
    const incomplete = defineActor<CacheRequest, CacheReplies, undefined>({
      name: 'incomplete',
      initialState: () => undefined,
      // @ts-expect-error CacheDelete and CacheStats have no handler
      receive: {
        CachePut: () => ({ type: 'CachePutReply' }),
        CacheGet: () => ({ type: 'CacheGetReply', found: false }),
      },
    });
    expect(Object.keys(incomplete.receive)).toHaveLength(2);
    const wrongReply = defineActor<CacheRequest, CacheReplies, undefined>({
      ...complete,
      name: 'wrong-reply',
      receive: {
        ...complete.receive,
        // @ts-expect-error CacheGet must reply with a CacheGetReply
        CacheGet: () => ({ type: 'CachePutReply' }),
      },
    });
    expect(wrongReply.name).toBe('wrong-reply');
    expect(() => defineActor({ ...complete, name: 'bad/name' })).toThrow(RangeError);
    expect(() => defineActor({ ...complete, concurrency: 0 })).toThrow(RangeError);
    expect(() => defineActor({ ...complete, mailboxLimit: 0 })).toThrow(RangeError);
  });
});
