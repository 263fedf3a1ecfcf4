import { afterEach, describe, expect, it } from '@jest/globals';
import { ActorStoppedError, OverloadedError, ShuttingDownError } from '../../messages/index.js';
import { defineActor, type ActorSystem, type Concurrency } from '../../actors/index.js';
import { deferred, testSystem, until, type LogLine } from './support.js';

type GateRequest = { type: 'Wait'; id: number } | { type: 'Ping' };
interface GateReplies {
  Wait: number;
  Ping: 'pong';
}

/** An actor whose `Wait` handlers block until the test opens the gate; it records overlap. */
function gated(concurrency: Concurrency, mailboxLimit = 100) {
  const gate = deferred();
  const stats = { running: 0, maxRunning: 0, started: [] as number[] };
  const definition = defineActor<GateRequest, GateReplies, undefined>({
    name: 'gated',
    initialState: () => undefined,
    concurrency,
    mailboxLimit,
    receive: {
      Wait: async (_state, message) => {
        stats.started.push(message.id);
        stats.running++;
        stats.maxRunning = Math.max(stats.maxRunning, stats.running);
        await gate.promise;
        stats.running--;
        return message.id;
      },
      Ping: () => 'pong',
    },
  });
  return { definition, gate, stats };
}

describe('dispatch', () => {
  let system: ActorSystem;
  let logs: LogLine[];
  afterEach(async () => {
    await system.stop();
  });

  it('concurrency N runs up to N async handlers at once', async () => {
    ({ system } = testSystem());
    const { definition, gate, stats } = gated(3);
    const actor = system.spawn(definition);
    const replies = [1, 2, 3, 4, 5].map((id) => actor.ask({ type: 'Wait', id }));
    await until(() => stats.running === 3);
    expect(stats.started).toEqual([1, 2, 3]);
    expect(system.snapshotOf(actor)).toMatchObject({ inFlight: 3, mailboxDepth: 2 });
    gate.resolve();
    expect(await Promise.all(replies)).toEqual([1, 2, 3, 4, 5]);
    expect(stats.maxRunning).toBe(3);
  });

  it('serial runs one handler at a time, in order', async () => {
    ({ system } = testSystem());
    const { definition, gate, stats } = gated('serial');
    const actor = system.spawn(definition);
    const replies = [1, 2, 3].map((id) => actor.ask({ type: 'Wait', id }));
    await until(() => stats.running === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stats.started).toEqual([1]);
    gate.resolve();
    expect(await Promise.all(replies)).toEqual([1, 2, 3]);
    expect(stats.maxRunning).toBe(1);
    expect(stats.started).toEqual([1, 2, 3]);
  });

  it('a full mailbox fails an ask at once with OverloadedError and counts a dropped tell', async () => {
    ({ system } = testSystem());
    const { definition, gate, stats } = gated('serial', 2);
    const actor = system.spawn(definition);
    const first = actor.ask({ type: 'Wait', id: 1 });
    await until(() => stats.running === 1);
    const queued = [actor.ask({ type: 'Wait', id: 2 }), actor.ask({ type: 'Wait', id: 3 })];
    const started = Date.now();
    await expect(actor.ask({ type: 'Ping' })).rejects.toBeInstanceOf(OverloadedError);
    expect(Date.now() - started).toBeLessThan(50);
    actor.tell({ type: 'Ping' });
    expect(system.snapshotOf(actor)).toMatchObject({ mailboxDepth: 2, overloadedAsks: 1, droppedTells: 1 });
    gate.resolve();
    expect(await Promise.all([first, ...queued])).toEqual([1, 2, 3]);
    expect(await actor.ask({ type: 'Ping' })).toBe('pong');
  });

  it('skips a queued message whose asker already gave up', async () => {
    ({ system } = testSystem());
    const { definition, gate, stats } = gated('serial');
    const actor = system.spawn(definition);
    const first = actor.ask({ type: 'Wait', id: 1 });
    await until(() => stats.running === 1);
    await expect(actor.ask({ type: 'Wait', id: 2 }, { timeoutMs: 10 })).rejects.toThrow(
      'no reply within 10 ms',
    );
    gate.resolve();
    await first;
    expect(await actor.ask({ type: 'Ping' })).toBe('pong');
    expect(stats.started).toEqual([1]);
    expect(system.snapshotOf(actor).expired).toBe(1);
  });

  it('counts and logs messages to a stopped actor as dead letters', async () => {
    ({ system, logs } = testSystem());
    const { definition } = gated('serial');
    const actor = system.spawn(definition);
    await system.stopActor(actor);
    await expect(actor.ask({ type: 'Ping' })).rejects.toBeInstanceOf(ActorStoppedError);
    actor.tell({ type: 'Ping' });
    expect(system.snapshotOf(actor)).toMatchObject({ status: 'stopped', deadLetters: 2 });
    expect(system.snapshot().deadLetters).toBe(2);
    expect(logs.filter((line) => line.msg === 'dead letter: actor is stopped')).toHaveLength(2);
    const text = await system.metricsRegistry.metrics();
    expect(text).toContain('cameodb_actor_dead_letters_total{actor="gated"} 2');
  });

  it('stopping rejects queued asks and lets a running handler finish within the grace period', async () => {
    ({ system } = testSystem());
    const { definition, gate, stats } = gated('serial');
    const actor = system.spawn(definition);
    const running = actor.ask({ type: 'Wait', id: 1 });
    await until(() => stats.running === 1);
    const queued = actor.ask({ type: 'Wait', id: 2 });
    const stopped = system.stopActor(actor);
    await expect(queued).rejects.toBeInstanceOf(ActorStoppedError);
    gate.resolve();
    expect(await running).toBe(1);
    await stopped;
    expect(stats.started).toEqual([1]);
  });

  it('exports per-actor metrics in Prometheus text format', async () => {
    ({ system } = testSystem());
    const { definition, gate } = gated(2);
    const actor = system.spawn(definition, { name: 'metered' });
    const pending = [actor.ask({ type: 'Wait', id: 1 }), actor.ask({ type: 'Wait', id: 2 })];
    await until(() => system.snapshotOf(actor).inFlight === 2);
    let text = await system.metricsRegistry.metrics();
    expect(text).toContain('cameodb_actor_in_flight{actor="metered"} 2');
    expect(text).toContain('cameodb_actor_mailbox_depth{actor="metered"} 0');
    gate.resolve();
    await Promise.all(pending);
    text = await system.metricsRegistry.metrics();
    expect(text).toContain('cameodb_actor_messages_processed_total{actor="metered"} 2');
    expect(text).toContain('cameodb_actor_handler_seconds_count{actor="metered"} 2');
  });

  it('after the system stops, asks are dead letters and spawning is refused', async () => {
    ({ system } = testSystem());
    const { definition } = gated('serial');
    const actor = system.spawn(definition);
    await system.stop();
    await expect(actor.ask({ type: 'Ping' })).rejects.toBeInstanceOf(ActorStoppedError);
    expect(() => system.spawn(definition, { name: 'late' })).toThrow(ShuttingDownError);
    await expect(system.start()).rejects.toBeInstanceOf(ShuttingDownError);
    await system.stop(); // idempotent
  });

  it('stops children before parents when the system stops', async () => {
    const order: string[] = [];
    ({ system } = testSystem());
    const node = (name: string, children: string[]) =>
      defineActor<{ type: 'Ping' }, { Ping: string }, undefined>({
        name,
        initialState: (context) => {
          for (const child of children) context.spawn(node(child, []));
          return undefined;
        },
        onStop: () => {
          order.push(name);
        },
        receive: { Ping: () => name },
      });
    system.spawn(node('parent-a', ['a1', 'a2']));
    system.spawn(node('parent-b', ['b1']));
    await system.stop();
    expect(order).toEqual(['b1', 'parent-b', 'a2', 'a1', 'parent-a']);
    expect(system.status).toBe('stopped');
  });
});
