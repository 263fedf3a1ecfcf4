import { afterEach, describe, expect, it } from '@jest/globals';
import {
  AskTimeoutError,
  CancelledError,
  ValidationError,
  type CacheReplies,
  type CacheRequest,
} from '../../messages/index.js';
import { defineActor, keyValueCacheActor, type ActorRef, type ActorSystem } from '../../actors/index.js';
import { sleep, testSystem } from './support.js';

type SlowRequest = { type: 'Sleep'; ms: number } | { type: 'Hang' } | { type: 'Echo'; text: string };
interface SlowReplies {
  Sleep: number;
  Hang: never;
  Echo: string;
}

/** An actor whose handlers take a while, never finish, or answer at once. */
const slowActor = defineActor<SlowRequest, SlowReplies, undefined>({
  name: 'slow',
  initialState: () => undefined,
  concurrency: 4,
  messageDeadlineMs: 5_000,
  receive: {
    Sleep: async (_state, message, context) => {
      await sleep(message.ms, context.signal);
      return message.ms;
    },
    Hang: () => new Promise<never>(() => {}),
    Echo: (_state, message) => message.text,
  },
});

describe('ask and tell', () => {
  let system: ActorSystem;
  afterEach(async () => {
    await system.stop();
  });

  it('answers asks with the typed reply of each request', async () => {
    ({ system } = testSystem());
    const cache: ActorRef<CacheRequest, CacheReplies> = system.spawn(keyValueCacheActor({ capacity: 2 }));
    const put = await cache.ask({ type: 'CachePut', key: 'a', value: { n: 1 } });
    expect(put).toEqual({ type: 'CachePutReply' });
    const got = await cache.ask({ type: 'CacheGet', key: 'a' });
    // `got` is typed CacheGetReply: `found` exists on it without a cast.
    expect(got.found).toBe(true);
    expect(got.value).toEqual({ n: 1 });
    expect(await cache.ask({ type: 'CacheGet', key: 'missing' })).toEqual({
      type: 'CacheGetReply',
      found: false,
    });
  });

  it('handles tells in order with asks (serial actor)', async () => {
    ({ system } = testSystem());
    const cache = system.spawn(keyValueCacheActor({ capacity: 2 }));
    cache.tell({ type: 'CachePut', key: 'a', value: 1 });
    cache.tell({ type: 'CachePut', key: 'b', value: 2 });
    cache.tell({ type: 'CachePut', key: 'c', value: 3 });
    const stats = await cache.ask({ type: 'CacheStats' });
    expect(stats).toMatchObject({ entries: 2, evictions: 1 });
    expect(await cache.ask({ type: 'CacheGet', key: 'a' })).toMatchObject({ found: false });
    expect(system.snapshotOf(cache).processed).toBe(5);
  });

  it('fails an ask without a reply at its deadline with AskTimeoutError carrying the caller frames', async () => {
    ({ system } = testSystem());
    const slow = system.spawn(slowActor);
    const started = Date.now();
    async function callerOfTheAsk(): Promise<unknown> {
      return await slow.ask({ type: 'Sleep', ms: 1_000 }, { timeoutMs: 40 });
    }
    const error = await callerOfTheAsk().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AskTimeoutError);
    expect((error as AskTimeoutError).code).toBe('ASK_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(Date.now() - started).toBeLessThan(900);
    expect((error as Error).stack).toContain('callerOfTheAsk');
  });

  it('uses the system default ask timeout when none is given', async () => {
    ({ system } = testSystem({ askTimeoutMs: 30, stopGraceMs: 20 }));
    const slow = system.spawn(slowActor);
    await expect(slow.ask({ type: 'Hang' })).rejects.toBeInstanceOf(AskTimeoutError);
  });

  it('cancels an ask through its AbortSignal with CancelledError', async () => {
    ({ system } = testSystem());
    const slow = system.spawn(slowActor);
    const controller = new AbortController();
    const pending = slow.ask({ type: 'Sleep', ms: 500 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    const already = new AbortController();
    already.abort();
    await expect(slow.ask({ type: 'Echo', text: 'x' }, { signal: already.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
  });

  it('rejects a bad timeout and an unhandled message type with ValidationError', async () => {
    ({ system } = testSystem());
    const slow = system.spawn(slowActor);
    await expect(slow.ask({ type: 'Echo', text: 'x' }, { timeoutMs: 0 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      slow.ask({ type: 'Echo', text: 'x' }, { timeoutMs: Number.POSITIVE_INFINITY }),
    ).rejects.toBeInstanceOf(ValidationError);
    const erased = slow as unknown as ActorRef<{ type: 'Nope' }, { Nope: unknown }>;
    await expect(erased.ask({ type: 'Nope' })).rejects.toBeInstanceOf(ValidationError);
    expect(await slow.ask({ type: 'Echo', text: 'still fine' })).toBe('still fine');
  });

  it('never mixes up replies of many concurrent asks', async () => {
    ({ system } = testSystem());
    const slow = system.spawn(slowActor, { concurrency: 64, mailboxLimit: 100_000 });
    const texts = Array.from({ length: 5_000 }, (_, i) => `m${i}`);
    const replies = await Promise.all(texts.map((text) => slow.ask({ type: 'Echo', text })));
    expect(replies).toEqual(texts);
  });
});
