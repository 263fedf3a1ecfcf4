/**
 * The storage task module in a real worker thread, as a worker pool runs it: results and
 * errors cross the thread boundary as plain data.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from '@jest/globals';
import { errorFromWire } from '../../messages/index.js';
import type { StorageTask, StorageTaskResult } from '../../storage/index.js';
import { temporaryDirectory } from './shard-helpers.js';

const moduleUrl = new URL('../../storage/worker-tasks.ts', import.meta.url).href;

/** A worker that registers tsx (workers do not inherit it) and runs each posted task. */
function startWorker(): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl)}); })
       .then((module) => parentPort.on('message', (task) => parentPort.postMessage(module.default(task))));`,
    { eval: true, env: { ...process.env, CAMEODB_LOG_LEVEL: 'silent' } },
  );
}

function run(worker: Worker, task: StorageTask): Promise<StorageTaskResult> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(task);
  });
}

describe('storage worker tasks in worker threads', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.cleanup());

  it('writes in one thread and searches in another', async () => {
    const writer = startWorker();
    const searcher = startWorker();
    try {
      const shardPath = directory.path;
      const written = await run(writer, {
        kind: 'applyWrites',
        shardPath,
        operations: [
          { kind: 'upsert', position: 0, index: 'docs', id: 'a', doc: { title: 'threads share nothing' } },
          { kind: 'upsert', position: 1, index: 'docs', id: 'b', doc: { title: 'second document' } },
        ],
      });
      expect(
        written.ok && written.kind === 'applyWrites' && written.results.map((result) => result.ok),
      ).toEqual([true, true]);
      const wrongType = await run(writer, {
        kind: 'applyWrites',
        shardPath,
        operations: [
          { kind: 'upsert', position: 5, index: 'docs', id: 'c', doc: { title: { nested: true } } },
        ],
      });
      const failed = wrongType.ok && wrongType.kind === 'applyWrites' ? wrongType.results[0] : undefined;
      expect(failed?.ok === false && [failed.position, failed.error.code]).toEqual([5, 'FIELD_TYPE_ERROR']);

      const found = await run(searcher, {
        kind: 'search',
        shardPaths: [shardPath],
        index: 'docs',
        search: { query: 'threads', limit: 10, offset: 0 },
      });
      expect(found.ok && found.kind === 'search' && found.hits.map((hit) => hit.id)).toEqual(['a']);
      const missing = await run(searcher, { kind: 'get', shardPath, index: 'nope', id: 'a' });
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(errorFromWire(missing.error).code).toBe('INDEX_NOT_FOUND');
      expect(await run(searcher, { kind: 'close', shardPath })).toEqual({ ok: true, kind: 'close' });
      expect(await run(writer, { kind: 'close', shardPath })).toEqual({ ok: true, kind: 'close' });
    } finally {
      await writer.terminate();
      await searcher.terminate();
    }
  });
});
