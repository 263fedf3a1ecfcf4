/**
 * Cluster benchmark (`npm run bench:cluster`): real nodes (actors, storage, libp2p over
 * TCP on 127.0.0.1) in this one process, 2 shards per node.
 * 1. Remote hop: sequential writes and gets through node 0 for keys node 0 owns vs keys
 *    another node owns (p50/p99), in a 3-node cluster.
 * 2. Scatter-gather search latency (sequential, limit 10) on clusters of 1, 3 and 5 nodes
 *    holding the same documents, plus one node without the cluster layer for reference.
 * 3. Bulk ingest through node 0 into a 3-node cluster vs into 1 node (1000-document batches).
 * Options (env): BENCH_OPS (default 2000), BENCH_DOCS (default 20000), BENCH_SEARCHES (default 500),
 * BENCH_ONLY (hop, search or ingest: that part alone).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HashRing, startNode, type RunningNode } from '../../actors/index.js';
import { transportMeshFactory } from '../../apps/server/cluster-mesh.js';
import type { JsonObject } from '../../messages/index.js';

const OPS = Number(process.env['BENCH_OPS'] ?? 2000);
const DOCS = Number(process.env['BENCH_DOCS'] ?? 20_000);
const SEARCHES = Number(process.env['BENCH_SEARCHES'] ?? 500);
const logger = pino({ level: 'silent' });
const WORDS =
  'river stone forest cloud ember harbor meadow signal copper lantern orchard velvet glacier prism tundra'.split(
    ' ',
  );

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms, mean ${mean.toFixed(3)} ms`;
}
async function time(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}
function doc(i: number): JsonObject {
  return {
    title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`,
    body: `${WORDS[(i * 3) % WORDS.length]} ${WORDS[(i * 11) % WORDS.length]} ${WORDS[(i * 13) % WORDS.length]}`,
    n: i,
  };
}

class BenchCluster {
  readonly nodes: RunningNode[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'cameodb-cluster-bench-'));

  static async start(n: number, clustered = true, rememberedQueries?: number): Promise<BenchCluster> {
    const cluster = new BenchCluster();
    for (let index = 0; index < n; index++) {
      const seed = cluster.nodes[0]?.cluster?.mesh.addresses().find((address) => address.includes('/tcp/'));
      cluster.nodes.push(
        await startNode({
          dataPaths: [join(cluster.root, `node-${index}`)],
          shards: 2,
          nodeName: `bench-${index}`,
          logger,
          readerThreads: 1,
          ...(clustered
            ? {
                cluster: {
                  createMesh: transportMeshFactory({ host: '127.0.0.1', port: 0, quic: false, logger }),
                  seeds: seed === undefined ? [] : [seed],
                  ...(rememberedQueries === undefined ? {} : { rememberedQueries }),
                },
              }
            : {}),
        }),
      );
    }
    // Wait for the full membership everywhere.
    for (;;) {
      const views = await Promise.all(
        cluster.nodes.map((node) => node.cluster?.coordinator.ask({ type: 'GetStatus' })),
      );
      if (
        views.every(
          (view) => view === undefined || view.peers.filter((peer) => peer.healthy).length === n - 1,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return cluster;
  }

  async load(count: number, through = 0): Promise<number> {
    const started = performance.now();
    for (let first = 0; first < count; first += 1000) {
      const items = Array.from({ length: Math.min(1000, count - first) }, (_, k) => ({
        id: `d-${first + k}`,
        doc: doc(first + k),
      }));
      const reply = await this.nodes[through]!.router.ask(
        { type: 'BulkWrite', index: 'bench', items },
        { timeoutMs: 120_000 },
      );
      if (reply.errors.length > 0) throw new Error(`bulk errors: ${JSON.stringify(reply.errors[0])}`);
    }
    return (count / (performance.now() - started)) * 1000;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

async function remoteHop(): Promise<void> {
  const cluster = await BenchCluster.start(3);
  try {
    const entry = cluster.nodes[0]!;
    await entry.router.ask({ type: 'Write', index: 'hop', id: 'warm', doc: { title: 'warm', n: 0 } });
    const ring = new HashRing((await entry.cluster!.coordinator.ask({ type: 'GetRing' })).members);
    const local: string[] = [];
    const remote: string[] = [];
    for (let i = 0; local.length < OPS || remote.length < OPS; i++) {
      const key = `k-${i}`;
      (ring.ownerOf(key).nodeId === entry.identity.nodeId ? local : remote).push(key);
    }
    for (const [label, keys] of [
      ['local', local.slice(0, OPS)],
      ['remote', remote.slice(0, OPS)],
    ] as const) {
      const writes: number[] = [];
      for (const [i, id] of keys.entries()) {
        writes.push(
          await time(() =>
            entry.router.ask({ type: 'Write', index: 'hop', id, doc: { title: `t ${i}`, n: i } }),
          ),
        );
      }
      const gets: number[] = [];
      for (const id of keys) gets.push(await time(() => entry.router.ask({ type: 'Get', index: 'hop', id })));
      console.log(
        `remote hop | ${label} key | write ${summary(writes.slice(100))} | get ${summary(gets.slice(100))}`,
      );
    }
  } finally {
    await cluster.stop();
  }
}

/** `remember` false: the router remembers no statistics, so every search counts them first. */
async function searches(n: number, clustered: boolean, remember = true): Promise<void> {
  const cluster = await BenchCluster.start(n, clustered, remember ? undefined : 0);
  try {
    await cluster.load(DOCS);
    const entry = cluster.nodes[0]!;
    const samples: number[] = [];
    for (let i = 0; i < SEARCHES + 50; i++) {
      const query = `${WORDS[i % WORDS.length]} ${WORDS[(i * 5 + 1) % WORDS.length]}`;
      const elapsed = await time(() =>
        entry.router.ask({ type: 'Search', index: 'bench', search: { query, limit: 10, offset: 0 } }),
      );
      if (i >= 50) samples.push(elapsed);
    }
    const label = clustered
      ? `${n} node(s), cluster${remember ? '' : ', statistics not remembered'}`
      : `${n} node, no cluster layer`;
    console.log(`search | ${label} | ${DOCS} docs, ${2 * n} shards | ${summary(samples)}`);
  } finally {
    await cluster.stop();
  }
}

async function ingest(n: number): Promise<void> {
  const cluster = await BenchCluster.start(n);
  try {
    const rate = await cluster.load(DOCS);
    console.log(
      `bulk ingest | through node 0 into ${n} node(s) | ${DOCS} docs in 1000-doc batches | ${Math.round(rate)} docs/s`,
    );
  } finally {
    await cluster.stop();
  }
}

console.log(
  `cluster bench: Node ${process.version}, load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
// BENCH_ONLY=search runs the search part alone.
const only = process.env['BENCH_ONLY'];
if (only === undefined || only === 'hop') await remoteHop();
if (only === undefined || only === 'search') {
  await searches(1, false);
  for (const n of [1, 3, 5]) await searches(n, true);
  // The 15 queries repeat, so clusters above rank with remembered statistics; here every
  // search first counts them on every node (as a query not seen before does).
  for (const n of [3, 5]) await searches(n, true, false);
}
if (only === undefined || only === 'ingest') {
  await ingest(1);
  await ingest(3);
}
console.log(
  `done: load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
