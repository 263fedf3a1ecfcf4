/**
 * `data load` reads its input only as fast as the server acknowledges batches: while the
 * server holds its answers, the loader stops pulling from the file. Asserted on the bytes
 * taken from the source, not on timing.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { CameoClient } from '../../../apps/sdk/index.js';
import { loadData } from '../../../apps/cli/load.js';
import { LoadProgress } from '../../../apps/cli/progress.js';
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

describe('data load back-pressure', () => {
  it('stops reading the input while the server holds its answers', async () => {
    const totalLines = 60_000;
    const lineBytes = 200;
    let produced = 0;
    function* lines(): Generator<string> {
      for (let n = 0; n < totalLines; n += 1) {
        const line = `${JSON.stringify({ id: String(n), text: 'y'.repeat(lineBytes - 30 - String(n).length) })}\n`;
        produced += Buffer.byteLength(line);
        yield line;
      }
    }
    let held: Array<() => void> = [];
    let release = false;
    let written = 0;
    server = await startTestServer(async (request, response) => {
      const items = JSON.parse(await readBody(request)) as unknown[];
      const answer = (): void => {
        written += items.length;
        sendJson(response, 200, {
          items_received: items.length,
          items_written: items.length,
          errors: [],
          duration_ms: 1,
        });
      };
      if (release) answer();
      else held.push(answer);
    });
    const client = new CameoClient({ url: server.url });
    const loading = loadData(
      client,
      {
        index: 'bp',
        file: '-',
        format: 'jsonl',
        idColumn: 'id',
        batchSize: 500,
        cast: true,
        maxErrors: 10,
        concurrency: 2,
        detectSchema: false,
        detectSample: 1000,
        input: Readable.from(lines(), { objectMode: false }),
      },
      (total) => new LoadProgress(process.stderr, false, total),
    );
    // Two batches are in flight and unanswered: the loader must stall.
    await until(() => held.length === 2);
    let last = -1;
    await until(() => {
      const stable = produced === last;
      last = produced;
      return stable;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const producedWhileHeld = produced;
    // At most a few batches plus stream buffers, out of ~12 MB.
    expect(producedWhileHeld).toBeLessThan(2 * 1024 * 1024);
    expect(producedWhileHeld).toBeLessThan(totalLines * lineBytes);
    release = true;
    for (const answer of held) answer();
    held = [];
    const summary = await loading;
    expect(summary.documents_written).toBe(totalLines);
    expect(written).toBe(totalLines);
    expect(summary.records_failed).toBe(0);
  });
});
