/**
 * Three real `cameodb` processes started with the README's command
 * (`node bin/cameodb.js --cluster-enabled --cluster-port P --seed-nodes host:port ...`) on
 * random ports, driven over HTTP: writes through one node are read and searched through
 * the others, the cluster admin API shows the members and the ring, and when one process
 * is killed its keys answer 503 naming it while searches stay 200 with failed shards.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer } from 'node:net';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

jest.setTimeout(180_000);

/** A free TCP port on 127.0.0.1 (the seed's cluster port must be known before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Prometheus text stays a string.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const servers: ServerProcess[] = [];

beforeAll(async () => {
  const clusterPorts = [await freePort(), await freePort(), await freePort()];
  const seed = `127.0.0.1:${clusterPorts[0]}`;
  for (const [index, port] of clusterPorts.entries()) {
    servers.push(
      await startServerProcess({
        args: [
          '--cluster-enabled',
          '--cluster-port',
          String(port),
          '--cluster-bind-address',
          '127.0.0.1',
          ...(index === 0 ? [] : ['--seed-nodes', seed]),
          '--node-name',
          `node-${index}`,
          '--shards',
          '2',
          '--log-level',
          'info',
        ],
        readyTimeoutMs: 60_000,
      }),
    );
  }
  // Every node sees the two others.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const views = await Promise.all(servers.map((server) => call(server, 'GET', '/_cluster/nodes')));
    if (views.every((view) => view.body.nodes?.length === 3 && view.body.state === 'Active')) break;
    if (Date.now() > deadline)
      throw new Error(`cluster did not form: ${JSON.stringify(views.map((view) => view.body))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop().catch(() => undefined)));
  await Promise.all(servers.map((server) => server.cleanup()));
});

describe('three cameodb processes', () => {
  it('form one database: write anywhere, read and search everywhere, lose a node gracefully', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const ids = Array.from({ length: 40 }, (_, i) => `p-${i}`);
    const bulk = await call(
      a,
      'POST',
      '/api/parts/_bulk',
      ids.map((id, i) => ({ id, doc: { name: `part ${i} bolt`, size: i } })),
    );
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ items_received: 40, items_written: 40, errors: [] });

    for (const id of ids.slice(0, 10)) {
      const got = await call(c, 'GET', `/api/parts/document?id=${id}`);
      expect(got.status).toBe(200);
    }
    const search = await call(b, 'POST', '/api/parts/search', {
      query: 'bolt',
      limit: 5,
      offset: 10,
      sort: { field: 'size', order: 'asc' },
    });
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({
      total_hits: 40,
      total_shards: 6,
      failed_shards: 0,
      nodes_contacted: 3,
    });
    expect(search.body.hits.map((hit: { _id: string }) => hit._id)).toEqual([
      'p-10',
      'p-11',
      'p-12',
      'p-13',
      'p-14',
    ]);
    const config = await call(c, 'GET', '/api/parts/_config');
    expect(config.status).toBe(200);

    const ring = await call(a, 'GET', '/_cluster/ring');
    expect(ring.body).toMatchObject({
      cluster_enabled: true,
      virtual_nodes_per_node: 256,
      virtual_nodes: 768,
    });
    const shares = ring.body.members.map((member: { key_space_share: number }) => member.key_space_share);
    expect(shares.reduce((sum: number, share: number) => sum + share, 0)).toBeCloseTo(1, 5);
    const health = await call(b, 'GET', '/_cluster/health');
    expect(health.body).toMatchObject({ number_of_nodes: 3, cluster: { state: 'Active' } });
    const metrics = await call(b, 'GET', '/metrics');
    expect(metrics.body).toContain('cameodb_cluster_broadcasts_total');
    expect(metrics.body).toContain('cameodb_cluster_peers{state="up"} 2');

    // Kill node c: its keys answer 503 naming it; searches answer 200 with its shards failed.
    const cId = (await call(c, 'GET', '/_cluster/nodes')).body.node_id as string;
    await c.stop('SIGKILL');
    const until = Date.now() + 15_000;
    while ((await call(a, 'GET', '/_cluster/nodes')).body.state !== 'Degraded') {
      if (Date.now() > until) throw new Error('node loss not noticed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const partial = await call(a, 'POST', '/api/parts/search', { query: 'bolt', limit: 100 });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ total_shards: 6, failed_shards: 2, nodes_contacted: 2 });
    expect(partial.body.total_hits).toBeLessThan(40);
    const gets = await Promise.all(ids.map((id) => call(a, 'GET', `/api/parts/document?id=${id}`)));
    const unavailable = gets.filter((got) => got.status === 503);
    expect(unavailable.length).toBe(40 - partial.body.total_hits);
    expect(unavailable[0]!.headers.get('retry-after')).not.toBeNull();
    expect(unavailable[0]!.body.details.message).toContain(cId);
    expect(gets.filter((got) => got.status === 200).length).toBe(partial.body.total_hits);
  });
});
