/**
 * Gateway overhead benchmark: the HTTP gateway over a node that answers instantly, so
 * the numbers are the cost of HTTP parsing, validation, routing, metrics and JSON
 * serialisation alone (an upper bound for the real server). The server runs in a child
 * process; this process generates closed-loop load over keep-alive connections.
 *
 *   npm run bench:gateway -- [--seconds 5] [--concurrency 64]
 * @module
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import type { ActorRef } from '../../actors/index.js';
import type { ClientOp, ClientReplies } from '../../messages/index.js';
import { defaultConfig, startServer, type NodeHandle } from '../../apps/server/index.js';

function instantNode(): NodeHandle {
  const ask = async (op: ClientOp): Promise<unknown> => {
    switch (op.type) {
      case 'Write':
        return { type: 'WriteResult', id: op.id, result: 'created', version: 1, shardId: 0, nodeId: 'bench' };
      case 'BulkWrite':
        return {
          type: 'BulkWriteResult',
          itemsReceived: op.items.length,
          itemsWritten: op.items.length,
          errors: [],
        };
      case 'Search':
      case 'Stream':
        return {
          type: 'SearchResult',
          hits: Array.from({ length: Math.min(op.search.limit, 10) }, (_unused, i) => ({
            id: `d${i}`,
            score: 1 / (i + 1),
            fields: { title: `title ${i}`, year: 2000 + i },
          })),
          totalHits: 1000,
          totalShards: 4,
          failedShards: 0,
          nodesContacted: 1,
        };
      default:
        throw new Error(`bench node does not answer ${op.type}`);
    }
  };
  return {
    router: { name: 'bench', tell: () => undefined, ask: ask as ActorRef<ClientOp, ClientReplies>['ask'] },
    nodeId: 'bench',
    nodeName: 'bench',
    metrics: new Registry(),
    health: async () => ({ status: 'green', shards: [], routerMailboxDepth: 0, workerQueueDepths: {} }),
    stop: async () => undefined,
  };
}

async function serve(): Promise<void> {
  const base = defaultConfig();
  const server = await startServer(
    { ...base, http: { ...base.http, port: 0, maxInFlightRequests: 10_000 }, log: { level: 'warn' } },
    { createNode: async () => instantNode(), logger: pino({ level: 'warn' }) },
  );
  process.send?.({ port: server.port });
  process.on('message', () => void server.stop().then(() => process.exit(0)));
}

interface Scenario {
  name: string;
  method: string;
  path: string;
  body: (i: number) => Buffer;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function load(port: number, scenario: Scenario, seconds: number, concurrency: number): Promise<string> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const end = Date.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const body = scenario.body(counter++);
      const started = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: scenario.method,
          path: scenario.path,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors += 1;
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (Date.now() < end) await one();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const rate = Math.round(latencies.length / elapsed);
  const fmt = (value: number): string => value.toFixed(2);
  return `| ${scenario.name} | ${concurrency} | ${rate} | ${fmt(percentile(latencies, 50))} | ${fmt(percentile(latencies, 99))} | ${errors} |`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const argument = (name: string, fallback: number): number => {
    const index = process.argv.indexOf(name);
    return index === -1 ? fallback : Number(process.argv[index + 1]);
  };
  const seconds = argument('--seconds', 5);
  const concurrency = argument('--concurrency', 64);
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const doc = (i: number): Buffer =>
    Buffer.from(
      JSON.stringify({ id: `doc-${i}`, doc: { title: `title ${i}`, body: 'lorem ipsum '.repeat(20) } }),
    );
  const bulk = (i: number): Buffer =>
    Buffer.from(
      JSON.stringify(
        Array.from({ length: 100 }, (_unused, j) => ({ id: `d${i}-${j}`, doc: { title: `t${j}`, n: j } })),
      ),
    );
  const scenarios: Scenario[] = [
    { name: 'PUT /api/bench/document (~300 B)', method: 'PUT', path: '/api/bench/document', body: doc },
    {
      name: 'POST /api/bench/search (10 hits)',
      method: 'POST',
      path: '/api/bench/search',
      body: () => Buffer.from('{"query":"title:dune","limit":10}'),
    },
    { name: 'POST /api/bench/_bulk (100 docs)', method: 'POST', path: '/api/bench/_bulk', body: bulk },
  ];
  const rows = [
    '| scenario | concurrency | req/s | p50 ms | p99 ms | non-200 |',
    '|---|---|---|---|---|---|',
  ];
  // Warm-up (not recorded): the first seconds of any scenario measure the JIT, not the gateway.
  for (const scenario of scenarios) await load(port, scenario, 2, concurrency);
  for (const scenario of scenarios) rows.push(await load(port, scenario, seconds, concurrency));
  process.stdout.write(`${rows.join('\n')}\n`);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
}

await main();
