/**
 * A peer that sends garbage, oversized or unknown frames gets its RPC stream reset; the
 * node logs it with the peer id and keeps serving every other call.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Stream } from '@libp2p/interface';
import { pino } from 'pino';
import { Packr } from 'msgpackr';
import { EncodeError, PeerGoneError, decodeMessage } from '../../messages/index.js';
import { createTestMesh, encodeLengthPrefix, RPC_PROTOCOL, type TestMesh } from '../../transport/index.js';
import { createEchoActor, type Echo, type EchoReplies } from './support/echo-actor.js';

const MAX_FRAME_BYTES = 64 * 1024;

describe('malformed frames', () => {
  let mesh: TestMesh;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line));
        done();
      },
    });
    mesh = await createTestMesh(3, {
      nodeOptions: { maxFrameBytes: MAX_FRAME_BYTES, logger: pino({ level: 'warn' }, sink) },
      resolveActor: (index) => {
        const echo = createEchoActor('echo', `node-${index}`);
        return (name) => (name === 'echo' ? echo : undefined);
      },
    });
  });
  afterAll(async () => {
    await mesh.stop();
  });

  /** Opens a raw RPC stream from node 1 to node 0, as a misbehaving peer would. */
  async function rawStream(): Promise<Stream> {
    const target = mesh.nodes[0]!.libp2p.peerId;
    return mesh.nodes[1]!.libp2p.dialProtocol(target, RPC_PROTOCOL, { signal: AbortSignal.timeout(3000) });
  }

  function frame(body: Uint8Array): Uint8Array {
    const prefix = encodeLengthPrefix(body.byteLength);
    const out = new Uint8Array(prefix.byteLength + body.byteLength);
    out.set(prefix);
    out.set(body, prefix.byteLength);
    return out;
  }

  async function expectReset(stream: Stream): Promise<void> {
    if (stream.status === 'open') {
      await new Promise<void>((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));
    }
    expect(['reset', 'aborted', 'closed']).toContain(stream.status);
  }

  /** A call from node 2 to node 0, and one from node 1 on its regular session, both still work. */
  async function othersStillServed(): Promise<void> {
    const fromTwo = mesh.nodes[2]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-0' }, 'echo');
    await expect(fromTwo.ask({ type: 'TransportTestEcho', text: 'still here' })).resolves.toMatchObject({
      servedBy: 'node-0',
    });
    const fromOne = mesh.nodes[1]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-0' }, 'echo');
    await expect(fromOne.ask({ type: 'TransportTestEcho', text: 'me too' })).resolves.toMatchObject({
      servedBy: 'node-0',
    });
  }

  function violationLogged(): boolean {
    const peerId = mesh.nodes[1]!.peerId;
    return logLines.some(
      (line) => line['peerId'] === peerId && String(line['msg']).includes('protocol violation'),
    );
  }

  it('resets a stream that sends bytes that are not msgpack', async () => {
    logLines.length = 0;
    const stream = await rawStream();
    stream.send(frame(new Uint8Array([0xc1, 0xc1, 0xc1, 0xff, 0x00])));
    await expectReset(stream);
    await waitFor(violationLogged);
    await othersStillServed();
  });

  it('resets a stream that announces a frame above the size limit, before buffering it', async () => {
    logLines.length = 0;
    const stream = await rawStream();
    stream.send(encodeLengthPrefix(MAX_FRAME_BYTES + 1));
    await expectReset(stream);
    await waitFor(violationLogged);
    await othersStillServed();
  });

  it('resets a stream that sends an unknown frame kind or a malformed envelope', async () => {
    const packr = new Packr({ useRecords: false });
    for (const body of [
      packr.pack([99, 1, 2]),
      packr.pack([1, 'not-an-id', 'echo', 100, new Uint8Array(1)]),
      packr.pack('x'),
    ]) {
      logLines.length = 0;
      const stream = await rawStream();
      stream.send(frame(body));
      await expectReset(stream);
      await waitFor(violationLogged);
    }
    await othersStillServed();
  });

  it('answers an ask whose payload is not a registered message with DecodeError, keeping the stream', async () => {
    const stream = await rawStream();
    const packr = new Packr({ useRecords: false });
    const replies: Uint8Array[] = [];
    stream.addEventListener('message', (event) => replies.push(event.data.subarray()));
    stream.send(frame(packr.pack([1, 7, 'echo', 1000, packr.pack(['NoSuchTag', {}])])));
    const failureFor7 = (): unknown[] | undefined =>
      splitFrames(Buffer.concat(replies))
        .map((body) => packr.unpack(body) as unknown[])
        .find((envelope) => envelope[0] === 4 && envelope[1] === 7);
    await waitFor(() => failureFor7() !== undefined);
    const failure = decodeMessage(failureFor7()![2] as Uint8Array);
    expect(failure).toMatchObject({ type: 'Error', code: 'DECODE_ERROR' });
    expect(stream.status).toBe('open');
    stream.abort(new Error('test done'));
  });

  it('refuses to send a frame above the limit with EncodeError, without disturbing other calls', async () => {
    const ref = mesh.nodes[1]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-0' }, 'echo');
    const slow = ref.ask({ type: 'TransportTestEcho', text: 'slow', delayMs: 300 });
    const tooBigAsk = ref.ask({ type: 'TransportTestEcho', text: 'x'.repeat(MAX_FRAME_BYTES) });
    await expect(tooBigAsk).rejects.toBeInstanceOf(EncodeError);
    // The reply would be too big: the server answers with EncodeError instead of a frame the client would refuse.
    const tooBigReply = ref.ask({ type: 'TransportTestEcho', text: 'y', repeat: MAX_FRAME_BYTES });
    await expect(tooBigReply).rejects.toBeInstanceOf(EncodeError);
    await expect(slow).resolves.toMatchObject({ text: 'slow' });
  });

  it('counts protocol violations in the Prometheus metrics', async () => {
    const text = await mesh.nodes[0]!.metrics.registry.metrics();
    const match = /^cameodb_transport_protocol_violations_total (\d+)$/m.exec(text);
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('fails pending calls of a reset session with PeerGoneError, then reconnects', async () => {
    const ref = mesh.nodes[1]!.remoteRef<Echo, EchoReplies>({ nodeId: 'node-0' }, 'echo');
    const pending = ref.ask({ type: 'TransportTestEcho', text: 'slow', delayMs: 5000 }, { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // node 0 resets every stream it has with node 1.
    for (const connection of mesh.nodes[0]!.libp2p.getConnections(mesh.nodes[1]!.libp2p.peerId)) {
      for (const stream of connection.streams) {
        if (stream.protocol === RPC_PROTOCOL) stream.abort(new Error('simulated reset'));
      }
    }
    await expect(pending).rejects.toBeInstanceOf(PeerGoneError);
    await expect(ref.ask({ type: 'TransportTestEcho', text: 'again' })).resolves.toMatchObject({
      text: 'again',
    });
  });
});

/** Splits varint-length-prefixed frames (written independently of the implementation under test). */
function splitFrames(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[offset++]!;
      length |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (offset + length > bytes.length) break;
    frames.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return frames;
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
