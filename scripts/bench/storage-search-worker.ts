/**
 * Worker thread of the storage benchmark: runs a fixed list of searches against a shard
 * through its own ShardReader and reports per-query latencies. Started by storage-bench.ts.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardReader } from '../../storage/index.js';

interface Job {
  readonly shardPath: string;
  readonly index: string;
  readonly queries: readonly string[];
  /** Run until told to stop (true) or once through the list (false). */
  readonly untilStopped: boolean;
}

const job = workerData as Job;
const reader = new ShardReader(job.shardPath);
let stop = false;
parentPort?.on('message', (message) => {
  if (message === 'stop') stop = true;
});

const latencies: number[] = [];
let position = 0;
for (;;) {
  const query = job.queries[position % job.queries.length] ?? '*';
  position += 1;
  const started = process.hrtime.bigint();
  reader.search(job.index, { query, limit: 10, offset: 0 });
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (!job.untilStopped && position >= job.queries.length) break;
  if (job.untilStopped && position % 20 === 0) {
    // Let the stop message in.
    await new Promise((resolve) => setImmediate(resolve));
    if (stop) break;
  }
}
reader.close();
parentPort?.postMessage(latencies);
// The message listener would keep this thread (and the benchmark process) alive.
parentPort?.close();
