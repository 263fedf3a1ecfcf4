/**
 * Transport benchmark (`npm run bench:transport`): remote asks between two processes, over
 * TCP and over QUIC. For each transport: p50/p99 of sequential asks, then throughput with
 * 64 asks in flight. Targets: p50 <= 1 ms, >= 15k asks/s.
 * Options (env): BENCH_SEQUENTIAL (default 5000), BENCH_SECONDS (default 5).
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { CoordinatorReplies, CoordinatorRequest } from '../../messages/index.js';
import { createTransportNode, waitForFullMesh, type TransportNode } from '../../transport/index.js';

const SEQUENTIAL = Number(process.env['BENCH_SEQUENTIAL'] ?? 5000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONCURRENCY = 64;
const WARMUP = 1000;
const serverScript = fileURLToPath(new URL('./transport-peer.ts', import.meta.url));

interface Result {
  transport: string;
  p50: number;
  p99: number;
  mean: number;
  throughput: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runOne(transport: 'tcp' | 'quic', root: string): Promise<Result> {
  const server = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      serverScript,
      JSON.stringify({ dataDir: join(root, `server-${transport}`), quic: transport === 'quic' }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = once(server, 'exit');
  let client: TransportNode | undefined;
  try {
    const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    const ready = JSON.parse(line) as { multiaddrs: string[] };
    const address = ready.multiaddrs.find((value) =>
      value.includes(transport === 'quic' ? '/quic-v1' : '/tcp/'),
    )!;
    client = await createTransportNode({
      dataDir: join(root, `client-${transport}`),
      nodeId: 'bench-client',
      host: '127.0.0.1',
      port: 0,
      quic: transport === 'quic',
      seedNodes: [address],
      logger: pino({ level: 'warn' }),
    });
    await client.start();
    const deadline = Date.now() + 10_000;
    while (!client.peers().some((peer) => peer.nodeId === 'bench-server')) {
      if (Date.now() > deadline) await waitForFullMesh([client], 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const connection = client.libp2p.getConnections()[0]!;
    if (!connection.remoteAddr.toString().includes(transport === 'quic' ? 'quic' : 'tcp')) {
      throw new Error(`expected a ${transport} connection, got ${connection.remoteAddr.toString()}`);
    }
    const ref = client.remoteRef<CoordinatorRequest, CoordinatorReplies>(
      { nodeId: 'bench-server' },
      'coordinator-bench',
    );
    const request = { type: 'GetKnownPeers' } as const;
    for (let index = 0; index < WARMUP; index++) await ref.ask(request);

    const latencies: number[] = [];
    for (let index = 0; index < SEQUENTIAL; index++) {
      const started = process.hrtime.bigint();
      const reply = await ref.ask(request);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (reply.peers.length !== 1) throw new Error('wrong reply');
    }
    latencies.sort((a, b) => a - b);

    let completed = 0;
    const until = performance.now() + SECONDS * 1000;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          await ref.ask(request);
          completed++;
        }
      }),
    );
    const elapsed = (performance.now() - startedAt) / 1000;
    return {
      transport,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
      throughput: completed / elapsed,
    };
  } finally {
    await client?.stop();
    server.stdin?.end();
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const root = await mkdtemp(join(tmpdir(), 'cameodb-bench-transport-'));
try {
  const results: Result[] = [];
  for (const transport of ['tcp', 'quic'] as const) results.push(await runOne(transport, root));
  console.log(
    `sequential asks: ${SEQUENTIAL} (after ${WARMUP} warm-up); concurrency ${CONCURRENCY} for ${SECONDS} s`,
  );
  console.log(
    '| transport | p50 ms | p99 ms | mean ms | asks/s at concurrency 64 | p50 <= 1 ms | >= 15k/s |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.transport} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.mean.toFixed(3)} | ${Math.round(r.throughput)} | ${r.p50 <= 1 ? 'met' : 'MISSED'} | ${r.throughput >= 15_000 ? 'met' : 'MISSED'} |`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
