/** Remote asks through a two-node mesh, over TCP and over QUIC: replies, typed errors, deadlines, cancellation. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AskTimeoutError,
  CancelledError,
  IndexNotFoundError,
  UnknownActorError,
  ValidationError,
} from '../../messages/index.js';
import { createTestMesh, type TestMesh } from '../../transport/index.js';
import { createEchoActor, type Echo, type EchoReplies, type EchoStats } from './support/echo-actor.js';

for (const quic of [false, true]) {
  describe(`remote ask over ${quic ? 'QUIC' : 'TCP'}`, () => {
    let mesh: TestMesh;
    const stats: EchoStats = { served: 0, aborted: 0, told: [] };

    beforeAll(async () => {
      mesh = await createTestMesh(2, {
        quic,
        resolveActor: (index) => {
          const echo = createEchoActor('echo', `node-${index}`, stats);
          return (name) => (name === 'echo' ? echo : undefined);
        },
      });
    });
    afterAll(async () => {
      await mesh.stop();
    });

    const ref = () => mesh.nodes[0]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-1' }, 'echo');

    it(`connects the nodes over ${quic ? 'QUIC' : 'TCP'}`, () => {
      const connections = mesh.nodes[0]!.libp2p.getConnections();
      expect(connections.length).toBeGreaterThan(0);
      for (const connection of connections) {
        expect(connection.remoteAddr.toString()).toContain(quic ? '/quic-v1' : '/tcp/');
      }
    });

    it('answers an ask with the remote actor reply', async () => {
      const reply = await ref().ask({ type: 'TransportTestEcho', text: 'hello' }, { timeoutMs: 3000 });
      expect(reply).toEqual({ type: 'TransportTestEchoReply', text: 'hello', servedBy: 'node-1' });
    });

    it('keeps correlation under 200 concurrent asks', async () => {
      const texts = Array.from({ length: 200 }, (_, index) => `m${index}`);
      const replies = await Promise.all(
        texts.map((text) => ref().ask({ type: 'TransportTestEcho', text }, { timeoutMs: 5000 })),
      );
      expect(replies.map((reply) => reply.text)).toEqual(texts);
    });

    it('rebuilds the remote handler error as the same class with its code', async () => {
      const validation = ref().ask({ type: 'TransportTestEcho', text: 'x', failWith: 'validation' });
      await expect(validation).rejects.toBeInstanceOf(ValidationError);
      await expect(validation).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: 'bad text x' });
      const missing = ref().ask({ type: 'TransportTestEcho', text: 'books', failWith: 'index-not-found' });
      await expect(missing).rejects.toBeInstanceOf(IndexNotFoundError);
      await expect(missing).rejects.toMatchObject({ details: { index: 'books' } });
    });

    it('gives UnknownActorError for an actor name nobody registered', async () => {
      const ghost = mesh.nodes[0]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-1' }, 'ghost');
      await expect(ghost.ask({ type: 'TransportTestEcho', text: 'x' })).rejects.toBeInstanceOf(
        UnknownActorError,
      );
    });

    it('fails a slow call with AskTimeoutError at its deadline and aborts the remote handler', async () => {
      const abortedBefore = stats.aborted;
      const started = Date.now();
      const slow = ref().ask({ type: 'TransportTestEcho', text: 'slow', delayMs: 5000 }, { timeoutMs: 200 });
      await expect(slow).rejects.toBeInstanceOf(AskTimeoutError);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(195);
      expect(elapsed).toBeLessThan(1500);
      // The Cancel frame reaches the handler, so the remote work does not run on for 5 s.
      await waitFor(() => stats.aborted > abortedBefore);
      // The session is still usable afterwards.
      await expect(ref().ask({ type: 'TransportTestEcho', text: 'after' })).resolves.toMatchObject({
        text: 'after',
      });
    });

    it('cancels a call through its AbortSignal', async () => {
      const controller = new AbortController();
      const call = ref().ask(
        { type: 'TransportTestEcho', text: 'c', delayMs: 5000 },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 50);
      await expect(call).rejects.toBeInstanceOf(CancelledError);
      const already = AbortSignal.abort();
      await expect(
        ref().ask({ type: 'TransportTestEcho', text: 'd' }, { signal: already }),
      ).rejects.toBeInstanceOf(CancelledError);
    });

    it('exports ask outcomes as Prometheus metrics', async () => {
      const text = await mesh.nodes[0]!.metrics.registry.metrics();
      expect(Number(/^cameodb_transport_asks_total\{outcome="ok"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(
        200,
      );
      expect(text).toMatch(/^cameodb_transport_asks_total\{outcome="ASK_TIMEOUT"\} 1$/m);
      expect(text).toMatch(/^cameodb_transport_asks_total\{outcome="UNKNOWN_ACTOR"\} 1$/m);
      expect(text).toMatch(/^cameodb_transport_sessions [1-9]/m);
      const served = await mesh.nodes[1]!.metrics.registry.metrics();
      expect(served).toMatch(/^cameodb_transport_asks_served_total\{outcome="VALIDATION_ERROR"\} 1$/m);
    });

    it('delivers a tell', async () => {
      mesh.nodes[0]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-1' }, 'echo').tell({
        type: 'TransportTestEcho',
        text: 'told',
      });
      await waitFor(() => stats.told.includes('told'));
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
