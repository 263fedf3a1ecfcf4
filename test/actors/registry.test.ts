import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ActorStoppedError,
  NameConflictError,
  UnknownActorError,
  type CacheReplies,
  type CacheRequest,
  type Message,
} from '../../messages/index.js';
import { keyValueCacheActor, type ActorSystem } from '../../actors/index.js';
import { testSystem } from './support.js';

describe('named registry', () => {
  let system: ActorSystem;
  afterEach(async () => {
    await system.stop();
  });

  it('looks a registered actor up by name, type-erased and typed', async () => {
    ({ system } = testSystem());
    const cache = system.spawn(keyValueCacheActor({ capacity: 4 }), { name: 'cache-1' });
    system.registry.register('orchestrator-node-a', cache);
    // The transport's view: any protocol, a decoded Message in, an unknown reply out.
    const erased = system.registry.lookup('orchestrator-node-a');
    expect(erased?.name).toBe('cache-1');
    const decoded: Message = { type: 'CacheStats' };
    expect(await erased?.ask(decoded)).toMatchObject({ type: 'CacheStatsReply', capacity: 4 });
    const typed = system.registry.require<CacheRequest, CacheReplies>('orchestrator-node-a');
    expect((await typed.ask({ type: 'CacheGet', key: 'x' })).found).toBe(false);
    expect(system.registry.lookup('nobody')).toBeUndefined();
    expect(() => system.registry.require('nobody')).toThrow(UnknownActorError);
  });

  it('refuses a name held by another actor with NameConflictError, accepts re-registering the same ref', () => {
    ({ system } = testSystem());
    const first = system.spawn(keyValueCacheActor({ capacity: 1 }), { name: 'first', registerAs: 'cache' });
    const second = system.spawn(keyValueCacheActor({ capacity: 1 }), { name: 'second' });
    expect(() => system.registry.register('cache', second)).toThrow(NameConflictError);
    expect(() => system.registry.register('cache', first)).not.toThrow();
    expect(() =>
      system.spawn(keyValueCacheActor({ capacity: 1 }), { name: 'third', registerAs: 'cache' }),
    ).toThrow(NameConflictError);
    // The refused spawn left nothing behind: the name "third" is free.
    expect(() => system.spawn(keyValueCacheActor({ capacity: 1 }), { name: 'third' })).not.toThrow();
    expect(system.registry.names()).toEqual(['cache']);
  });

  it('unregisters explicitly and when the actor stops', async () => {
    ({ system } = testSystem());
    const cache = system.spawn(keyValueCacheActor({ capacity: 1 }), { registerAs: 'cache' });
    system.registry.register('alias', cache);
    expect(system.registry.unregister('alias')).toBe(true);
    expect(system.registry.unregister('alias')).toBe(false);
    await system.stopActor(cache);
    expect(system.registry.lookup('cache')).toBeUndefined();
    // The name is free again for a new incarnation.
    const next = system.spawn(keyValueCacheActor({ capacity: 1 }), { registerAs: 'cache' });
    expect(system.registry.lookup('cache')).toBe(next);
    await expect(cache.ask({ type: 'CacheStats' })).rejects.toBeInstanceOf(ActorStoppedError);
    expect(() => system.registry.register('stale', cache)).toThrow(ActorStoppedError);
  });
});
