/**
 * The SDK's two streams: search results read as NDJSON lines as they arrive (with the
 * `_footer`, truncation and error lines), and stream ingest whose source is read only as
 * fast as the server takes the body (back-pressure, asserted on bytes pulled, not time).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import {
  CameoClient,
  CameoProtocolError,
  CameoStreamError,
  type IngestProgress,
  type JsonObject,
} from '../../../apps/sdk/index.js';
import { readBody, sendJson, startTestServer, type TestServer } from '../support/http-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not reached'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe('searchStream', () => {
  it('yields hits as NDJSON lines arrive, across chunk boundaries, and keeps the footer', async () => {
    let releaseSecondHalf: () => void = () => undefined;
    const secondHalf = new Promise<void>((resolve) => (releaseSecondHalf = resolve));
    server = await startTestServer(async (request, response) => {
      const body = JSON.parse(await readBody(request)) as { query: string };
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const text =
        `{"_id":"1","_score":2.5,"title":"${body.query} one"}\n` +
        `{"_id":"2","_score":1.5,"title":"héllo"}\n` +
        `{"_footer":{"total_hits":2,"hits_returned":2,"took_ms":3}}\n`;
      const bytes = Buffer.from(text);
      // Split inside the first line and inside the multi-byte "é".
      const cut = text.indexOf('é') + 1;
      response.write(bytes.subarray(0, 10));
      response.write(bytes.subarray(10, cut));
      await secondHalf;
      response.end(bytes.subarray(cut));
    });
    const stream = new CameoClient({ url: server.url }).searchStream('books', { query: 'dune' });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    // The first hit is available before the server sent the rest.
    expect(first.value).toEqual({ _id: '1', _score: 2.5, title: 'dune one' });
    releaseSecondHalf();
    const second = await iterator.next();
    expect(second.value).toEqual({ _id: '2', _score: 1.5, title: 'héllo' });
    expect((await iterator.next()).done).toBe(true);
    expect(stream.footer).toEqual({ total_hits: 2, hits_returned: 2, took_ms: 3 });
    expect(stream.hitsReceived).toBe(2);
  });

  it('reports a stream that ends without its footer as truncated', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end('{"_id":"1","_score":1}\n');
    });
    const stream = new CameoClient({ url: server.url }).searchStream('books', { query: 'x' });
    const error = await stream.toArray().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CameoProtocolError);
    expect((error as Error).message).toContain('truncated');
  });

  it('turns an error line into CameoStreamError and a garbage line into a protocol error', async () => {
    server = await startTestServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (request.url?.startsWith('/api/err/')) {
        response.end('{"_id":"1","_score":1}\n{"error":"shard 2 failed","details":{"shard":2}}\n');
      } else {
        response.end('{"_id":"1","_score":1}\nnot json\n');
      }
    });
    const client = new CameoClient({ url: server.url });
    const streamError = await client
      .searchStream('err', { query: 'x' })
      .toArray()
      .catch((caught: unknown) => caught);
    expect(streamError).toBeInstanceOf(CameoStreamError);
    expect((streamError as CameoStreamError).details).toEqual({ shard: 2 });
    const garbage = await client
      .searchStream('bad', { query: 'x' })
      .toArray()
      .catch((caught: unknown) => caught);
    expect(garbage).toBeInstanceOf(CameoProtocolError);
    expect((garbage as Error).message).toContain('line 2');
  });

  it('cancels the download when the caller stops iterating early', async () => {
    let closed = false;
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.on('close', () => (closed = true));
      let n = 0;
      const timer = setInterval(() => {
        n += 1;
        if (!response.write(`{"_id":"${n}","_score":1}\n`) && n > 1e6) clearInterval(timer);
      }, 1);
      response.on('close', () => clearInterval(timer));
    });
    const stream = new CameoClient({ url: server.url }).searchStream('books', { query: 'x' });
    let seen = 0;
    for await (const hit of stream) {
      expect(hit._id).toBe(String(seen + 1));
      seen += 1;
      if (seen === 5) break;
    }
    await until(() => closed);
    expect(closed).toBe(true);
  });
});

describe('ingestStream', () => {
  it('applies back-pressure: a stalled server stops the client pulling from its source', async () => {
    const lineBytes = 1024;
    const totalLines = 100_000; // ~100 MiB if it were all buffered
    let pulled = 0;
    async function* documents(): AsyncGenerator<JsonObject> {
      for (let n = 0; n < totalLines; n += 1) {
        pulled += 1;
        yield { id: String(n), body: 'x'.repeat(lineBytes - 30) };
      }
    }
    let serverRequest: IncomingMessage | undefined;
    let receivedBytes = 0;
    let receivedLines = 0;
    server = await startTestServer((request, response) => {
      serverRequest = request;
      request.on('data', (chunk: Buffer) => {
        receivedBytes += chunk.length;
        for (const byte of chunk) if (byte === 10) receivedLines += 1;
      });
      request.on('end', () =>
        sendJson(response, 200, {
          status: 'ok',
          lines_received: receivedLines,
          items_written: receivedLines,
          batches: 1,
          errors: [],
          suppressed_errors: 0,
        }),
      );
      // The server stalls after its first chunk.
      request.once('data', () => request.pause());
    });
    const progress: IngestProgress[] = [];
    const result = new CameoClient({ url: server.url }).ingestStream('books', documents(), {
      onProgress: (event) => progress.push(event),
    });
    await until(() => serverRequest?.isPaused() === true);
    // Wait until the client stops pulling: the socket buffers are full and the body is not read.
    let last = -1;
    await until(() => {
      const stable = pulled === last;
      last = pulled;
      return stable && pulled > 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pulledWhileStalled = pulled;
    // Bounded: kernel socket buffers plus one chunk, far below the ~100 MiB of the source.
    expect(pulledWhileStalled * lineBytes).toBeLessThan(24 * 1024 * 1024);
    expect(pulledWhileStalled).toBeLessThan(totalLines);
    serverRequest?.resume();
    const response = await result;
    expect(response.status).toBe('ok');
    expect(response.lines_received).toBe(totalLines);
    expect(receivedBytes).toBeGreaterThan(totalLines * (lineBytes - 30));
    expect(progress.at(-1)?.items).toBe(totalLines);
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-ndjson');
  });

  it('streams from a Node Readable of raw NDJSON bytes, a web ReadableStream and strings', async () => {
    const bodies: string[] = [];
    server = await startTestServer(async (request, response) => {
      bodies.push(await readBody(request));
      sendJson(response, 200, {
        status: 'ok',
        lines_received: 2,
        items_written: 2,
        batches: 1,
        errors: [],
        suppressed_errors: 0,
      });
    });
    const client = new CameoClient({ url: server.url });
    await client.ingestStream('a', Readable.from([Buffer.from('{"id":"1"}\n{"id'), Buffer.from('":"2"}\n')]));
    await client.ingestStream(
      'a',
      new ReadableStream<JsonObject>({
        start(controller) {
          controller.enqueue({ id: '1' });
          controller.enqueue({ id: '2' });
          controller.close();
        },
      }),
    );
    await client.ingestStream('a', ['{"id":"1"}', '{"id":"2"}\n']);
    expect(bodies).toEqual([
      '{"id":"1"}\n{"id":"2"}\n',
      '{"id":"1"}\n{"id":"2"}\n',
      '{"id":"1"}\n{"id":"2"}\n',
    ]);
  });

  it('reports a failing source as its own error, not as a connection failure', async () => {
    server = await startTestServer(async (request, response) => {
      await readBody(request).catch(() => '');
      sendJson(response, 200, {});
    });
    async function* failing(): AsyncGenerator<JsonObject> {
      yield { id: '1' };
      throw new Error('disk read failed');
    }
    await expect(new CameoClient({ url: server.url }).ingestStream('a', failing())).rejects.toThrow(
      'disk read failed',
    );
  });

  it('is never retried: a 503 surfaces at once', async () => {
    server = await startTestServer(async (request, response) => {
      await readBody(request);
      sendJson(response, 503, { error: 'overloaded' }, { 'retry-after': '0' });
    });
    await expect(new CameoClient({ url: server.url }).ingestStream('a', [{ id: '1' }])).rejects.toMatchObject(
      {
        status: 503,
        attempts: 1,
      },
    );
    expect(server.requests).toHaveLength(1);
  });
});
