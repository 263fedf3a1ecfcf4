/**
 * Rebalancing benchmark (`npm run bench:rebalance`): real nodes (actors, storage, libp2p over
 * TCP on 127.0.0.1) in this one process, 2 shards per node. Loads BENCH_DOCS documents into a
 * 2-node cluster, starts a third node, and measures:
 * 1. how long until every node's handoff is over (documents moved, documents/s);
 * 2. GET latency by id through node 0 while the handoff runs (keys of every owner, including
 *    not-yet-moved keys of the newcomer), against the same GETs after it;
 * 3. that every document is present exactly once afterwards (the sum of the nodes' counts).
 * Options (env): BENCH_DOCS (default 50000), BENCH_BATCH (handoff page size, default 500).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNode, type RunningNode } from '../../actors/index.js';
import { transportMeshFactory } from '../../apps/server/cluster-mesh.js';
import type { JsonObject } from '../../messages/index.js';

const DOCS = Number(process.env['BENCH_DOCS'] ?? 50_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 500);
const logger = pino({ level: 'silent' });
const WORDS = 'river stone forest cloud ember harbor meadow signal copper lantern orchard velvet'.split(' ');
const root = mkdtempSync(join(tmpdir(), 'cameodb-rebalance-bench-'));

function doc(i: number): JsonObject {
  return {
    title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`,
    body: `${WORDS[(i * 3) % WORDS.length]} ${WORDS[(i * 11) % WORDS.length]} ${'text '.repeat(i % 20)}`,
    n: i,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `n ${sorted.length}, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

async function start(index: number, seed?: RunningNode): Promise<RunningNode> {
  const address = seed?.cluster?.mesh.addresses().find((item) => item.includes('/tcp/'));
  return startNode({
    dataPaths: [join(root, `node-${index}`)],
    shards: 2,
    nodeName: `rebalance-${index}`,
    logger,
    readerThreads: 1,
    cluster: {
      createMesh: transportMeshFactory({ host: '127.0.0.1', port: 0, quic: false, logger }),
      seeds: address === undefined ? [] : [address],
      handoff: { batchSize: BATCH },
    },
  });
}

async function handingOff(nodes: readonly RunningNode[]): Promise<boolean> {
  const statuses = await Promise.all(
    nodes.map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
  );
  return statuses.some(
    (status) => status.rebalancing?.active === true || (status.rebalancing?.nodes.length ?? 0) > 0,
  );
}

async function count(node: RunningNode): Promise<number> {
  const listed = await node.orchestrator.ask({ type: 'ListIndexes' });
  return listed.indexes.find((entry) => entry.name === 'bench')?.documentCount ?? 0;
}

async function sampleGets(node: RunningNode, until: () => boolean, max: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; samples.length < max && !until(); i++) {
    const id = `doc-${(i * 7919) % DOCS}`;
    const started = process.hrtime.bigint();
    const got = await node.router.ask({ type: 'Get', index: 'bench', id });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!got.found) throw new Error(`document ${id} not found during the handoff`);
  }
  return samples;
}

async function main(): Promise<void> {
  const nodes: RunningNode[] = [];
  try {
    nodes.push(await start(0));
    nodes.push(await start(1, nodes[0]));
    while (
      !(await nodes[0]!.cluster!.coordinator.ask({ type: 'GetStatus' })).peers.some((peer) => peer.healthy)
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    const loadStarted = Date.now();
    for (let start = 0; start < DOCS; start += 1000) {
      const items = Array.from({ length: Math.min(1000, DOCS - start) }, (_, k) => ({
        id: `doc-${start + k}`,
        doc: doc(start + k),
      }));
      const reply = await nodes[0]!.router.ask({ type: 'BulkWrite', index: 'bench', items });
      if (reply.errors.length > 0) throw new Error(`load failed: ${JSON.stringify(reply.errors[0])}`);
    }
    console.log(`loaded ${DOCS} documents into 2 nodes in ${Date.now() - loadStarted} ms`);

    const joinStarted = Date.now();
    nodes.push(await start(2, nodes[0]));
    console.log(`node 3 started (joined) in ${Date.now() - joinStarted} ms`);
    let done = false;
    const watcher = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      while (await handingOff(nodes)) await new Promise((resolve) => setTimeout(resolve, 50));
      done = true;
    })();
    const during = await sampleGets(nodes[0]!, () => done, 100_000);
    await watcher;
    const handoffMs = Date.now() - joinStarted;
    const counts = await Promise.all(nodes.map(count));
    const statuses = await Promise.all(
      nodes.map((node) => node.cluster!.coordinator.ask({ type: 'GetStatus' })),
    );
    const moved = statuses.reduce((sum, status) => sum + (status.rebalancing?.handedOffDocuments ?? 0), 0);
    console.log(
      `handoff over ${handoffMs} ms after the join: ${moved} documents moved (${Math.round((moved / handoffMs) * 1000)} docs/s), counts ${counts.join(' + ')} = ${counts.reduce((a, b) => a + b, 0)} (expected ${DOCS})`,
    );
    console.log(`GET by id through node 0 during the handoff: ${summary(during)}`);
    const after = await sampleGets(nodes[0]!, () => false, 2000);
    console.log(`GET by id through node 0 after it:            ${summary(after)}`);
    console.log(
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
