import { afterEach, describe, expect, it } from '@jest/globals';
import { ActorStoppedError, AskTimeoutError, CameoError } from '../../messages/index.js';
import {
  CrashPolicy,
  defineActor,
  type ActorDefinition,
  type ActorRef,
  type ActorSystem,
  type CrashPolicy as CrashPolicyType,
  type Supervision,
} from '../../actors/index.js';
import { testSystem, until, type LogLine } from './support.js';

/** A crash a handler causes on purpose: like a bug, it is not a CameoError (see crash-rule.ts). */
class BoomError extends Error {
  constructor() {
    super('boom');
    this.name = 'BoomError';
  }
}

/** A typed failure a handler answers with on purpose: a reply, not a crash. */
class NotHereError extends CameoError {
  constructor() {
    super('NOT_HERE', 'not here');
  }
}

type FlakyRequest =
  | { type: 'Add'; by: number }
  | { type: 'Get' }
  | { type: 'Fail' }
  | { type: 'Refuse' }
  | { type: 'Hang' }
  | { type: 'SpawnChild'; name: string; policy: CrashPolicyType };
interface FlakyReplies {
  Add: number;
  Get: number;
  Fail: never;
  Refuse: never;
  Hang: never;
  SpawnChild: ActorRef<FlakyRequest, FlakyReplies>;
}

/** A counter that fails on demand; children of the same kind can be spawned under it. */
function flaky(
  supervision: CrashPolicyType | Supervision,
  messageDeadlineMs = 5_000,
): ActorDefinition<FlakyRequest, FlakyReplies, { count: number }> {
  return defineActor<FlakyRequest, FlakyReplies, { count: number }>({
    name: 'flaky',
    initialState: () => ({ count: 0 }),
    supervision,
    messageDeadlineMs,
    receive: {
      Add: (state, message) => (state.count += message.by),
      Get: (state) => state.count,
      Fail: () => {
        throw new BoomError();
      },
      Refuse: () => {
        throw new NotHereError();
      },
      Hang: () => new Promise<never>(() => {}),
      SpawnChild: (_state, message, context) => context.spawn(flaky(message.policy), { name: message.name }),
    },
  });
}

describe('supervision', () => {
  let system: ActorSystem;
  let logs: LogLine[];
  afterEach(async () => {
    await system.stop();
  });

  it('resume keeps the state, and the asker of the crashing message gets the handler error as-is', async () => {
    ({ system, logs } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Resume));
    await actor.ask({ type: 'Add', by: 5 });
    const error = await actor.ask({ type: 'Fail' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BoomError);
    expect(await actor.ask({ type: 'Get' })).toBe(5);
    const crash = logs.find((line) => line.msg === 'actor crashed');
    expect(crash).toMatchObject({ actor: 'flaky', messageType: 'Fail', policy: 'resume', level: 50 });
    expect(system.snapshotOf(actor)).toMatchObject({ failed: 1, restarts: 0 });
  });

  it('restart resets the state from initialState', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Restart));
    await actor.ask({ type: 'Add', by: 5 });
    await expect(actor.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    expect(await actor.ask({ type: 'Get' })).toBe(0);
    expect(system.snapshotOf(actor)).toMatchObject({ restarts: 1, status: 'running' });
  });

  it('a CameoError thrown by a handler is a reply, not a crash: the state survives', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Restart));
    await actor.ask({ type: 'Add', by: 5 });
    await expect(actor.ask({ type: 'Refuse' })).rejects.toBeInstanceOf(NotHereError);
    expect(await actor.ask({ type: 'Get' })).toBe(5);
    expect(system.snapshotOf(actor)).toMatchObject({ restarts: 0, status: 'running' });
  });

  it('restart stops the children of the restarted actor', async () => {
    ({ system } = testSystem());
    const parent = system.spawn(flaky(CrashPolicy.Restart));
    const child = await parent.ask({ type: 'SpawnChild', name: 'child', policy: CrashPolicy.Resume });
    expect(await child.ask({ type: 'Add', by: 1 })).toBe(1);
    await expect(parent.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    await expect(child.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
    expect(await parent.ask({ type: 'Get' })).toBe(0);
  });

  it('a parent stops one of its children through its context', async () => {
    ({ system } = testSystem());
    type Request = { type: 'Start' } | { type: 'StopIt'; child: ActorRef<FlakyRequest, FlakyReplies> };
    const parent = system.spawn(
      defineActor<Request, { Start: ActorRef<FlakyRequest, FlakyReplies>; StopIt: boolean }, undefined>({
        name: 'parent',
        initialState: () => undefined,
        receive: {
          Start: (_state, _message, context) => context.spawn(flaky(CrashPolicy.Resume), { name: 'kid' }),
          StopIt: async (_state, message, context) => {
            await context.stopChild(message.child);
            return true;
          },
        },
      }),
    );
    const stranger = system.spawn(flaky(CrashPolicy.Resume), { name: 'stranger' });
    const kid = await parent.ask({ type: 'Start' });
    expect(await parent.ask({ type: 'StopIt', child: kid })).toBe(true);
    await expect(kid.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
    await expect(parent.ask({ type: 'StopIt', child: stranger })).rejects.toBeInstanceOf(RangeError);
  });

  it('stop makes later asks fail with ActorStoppedError', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Stop));
    await expect(actor.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    await until(() => system.snapshotOf(actor).status === 'stopped');
    await expect(actor.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
  });

  it('restart limit: one restart too many stops the actor', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(
      flaky({ policy: CrashPolicy.Restart, restartLimit: { maxRestarts: 2, withinMs: 60_000 } }),
    );
    for (let i = 0; i < 3; i++) await expect(actor.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    await until(() => system.snapshotOf(actor).status === 'stopped');
    expect(system.snapshotOf(actor).restarts).toBe(2);
    await expect(actor.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
  });

  it('escalate applies the parent policy to the parent (restart: parent state reset, children stopped)', async () => {
    ({ system, logs } = testSystem());
    const parent = system.spawn(flaky(CrashPolicy.Restart));
    await parent.ask({ type: 'Add', by: 7 });
    const child = await parent.ask({ type: 'SpawnChild', name: 'worker', policy: CrashPolicy.Escalate });
    expect(child.name).toBe('flaky/worker');
    await expect(child.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    await until(() => system.snapshotOf(parent).restarts === 1);
    expect(await parent.ask({ type: 'Get' })).toBe(0);
    await expect(child.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
    expect(
      logs.some((line) => line.msg === 'failure escalated by a child' && line.child === 'flaky/worker'),
    ).toBe(true);
  });

  it('escalate to a resuming parent keeps both states', async () => {
    ({ system } = testSystem());
    const parent = system.spawn(flaky(CrashPolicy.Resume));
    await parent.ask({ type: 'Add', by: 3 });
    const child = await parent.ask({ type: 'SpawnChild', name: 'worker', policy: CrashPolicy.Escalate });
    await child.ask({ type: 'Add', by: 2 });
    await expect(child.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    expect(await parent.ask({ type: 'Get' })).toBe(3);
    expect(await child.ask({ type: 'Get' })).toBe(2);
  });

  it('escalate from a top-level actor stops it (the system root does not take the node down)', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Escalate));
    const bystander = system.spawn(flaky(CrashPolicy.Resume), { name: 'bystander' });
    await expect(actor.ask({ type: 'Fail' })).rejects.toBeInstanceOf(BoomError);
    await until(() => system.snapshotOf(actor).status === 'stopped');
    expect(await bystander.ask({ type: 'Add', by: 1 })).toBe(1);
  });

  it('a handler that never settles fails its ask at the message deadline and does not block the actor', async () => {
    ({ system, logs } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Resume, 40));
    await actor.ask({ type: 'Add', by: 1 });
    const hung = actor.ask({ type: 'Hang' }, { timeoutMs: 5_000 });
    const next = actor.ask({ type: 'Add', by: 1 }, { timeoutMs: 5_000 });
    await expect(hung).rejects.toBeInstanceOf(AskTimeoutError);
    expect(await next).toBe(2);
    expect(system.snapshotOf(actor).failed).toBe(1);
    expect(logs.some((line) => line.msg === 'actor crashed' && line.messageType === 'Hang')).toBe(true);
  });

  it('a missed message deadline applies the crash policy (restart)', async () => {
    ({ system } = testSystem());
    const actor = system.spawn(flaky(CrashPolicy.Restart, 30));
    await actor.ask({ type: 'Add', by: 4 });
    await expect(actor.ask({ type: 'Hang' })).rejects.toBeInstanceOf(AskTimeoutError);
    expect(await actor.ask({ type: 'Get' })).toBe(0);
  });

  it('async initial state holds messages back until it resolves; a failing one stops after the restart limit', async () => {
    ({ system } = testSystem());
    const slowStart = defineActor<{ type: 'Get' }, { Get: string }, string>({
      name: 'slow-start',
      initialState: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return 'ready';
      },
      receive: { Get: (state) => state },
    });
    expect(await system.spawn(slowStart).ask({ type: 'Get' })).toBe('ready');
    const broken = defineActor<{ type: 'Get' }, { Get: string }, string>({
      name: 'broken-start',
      supervision: { policy: CrashPolicy.Restart, restartLimit: { maxRestarts: 2, withinMs: 60_000 } },
      initialState: () => {
        throw new BoomError();
      },
      receive: { Get: (state) => state },
    });
    const ref = system.spawn(broken);
    await until(() => system.snapshotOf(ref).status === 'stopped');
    expect(system.snapshotOf(ref)).toMatchObject({ restarts: 2, failed: 3 });
    await expect(ref.ask({ type: 'Get' })).rejects.toBeInstanceOf(ActorStoppedError);
  });
});

describe('supervision under concurrency', () => {
  it('two handlers crashing together restart the actor into one fresh state', async () => {
    const { system } = testSystem();
    try {
      const spawned: string[] = [];
      type Request = { type: 'FailLater'; ms: number } | { type: 'Get' };
      const parent = defineActor<Request, { FailLater: never; Get: number }, { children: number }>({
        name: 'parallel',
        concurrency: 4,
        supervision: CrashPolicy.Restart,
        initialState: (context) => {
          // Children spawned in initialState are rebuilt exactly once per restart.
          context.spawn(flaky(CrashPolicy.Resume), { name: 'child' });
          spawned.push('child');
          return { children: 1 };
        },
        receive: {
          FailLater: async (_state, message) => {
            await new Promise((resolve) => setTimeout(resolve, message.ms));
            throw new BoomError();
          },
          Get: (state) => state.children,
        },
      });
      const ref = system.spawn(parent);
      const failures = [ref.ask({ type: 'FailLater', ms: 5 }), ref.ask({ type: 'FailLater', ms: 6 })];
      for (const failure of failures) await expect(failure).rejects.toBeInstanceOf(BoomError);
      await until(() => system.snapshot().actors.some((actor) => actor.actor === 'parallel/child'));
      expect(await ref.ask({ type: 'Get' })).toBe(1);
      expect(system.snapshot().actors.filter((actor) => actor.actor === 'parallel/child')).toHaveLength(1);
      expect(system.snapshotOf(ref).restarts).toBe(1);
      expect(spawned).toEqual(['child', 'child']);
    } finally {
      await system.stop();
    }
  });
});
