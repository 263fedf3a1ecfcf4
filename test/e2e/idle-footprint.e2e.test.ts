/**
 * The idle footprint of the real `cameodb` server process (issue 4): a single node does
 * not load libp2p, starts no reader thread until the first read, and runs its writer
 * threads at the configured niceness. Read from outside the process: /proc/<pid>/maps
 * (libp2p's QUIC transport maps a native library when transport/ is imported),
 * /proc/<pid>/task/<tid>/stat and the Prometheus `/metrics` text.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { readThreadNice } from '../../actors/index.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

jest.setTimeout(120_000);

const LIBP2P_NATIVE = 'libp2p-quic';
const servers: ServerProcess[] = [];

async function start(args: readonly string[]): Promise<ServerProcess> {
  const server = await startServerProcess({ args, readyTimeoutMs: 90_000 });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.cleanup();
});

function mappedFiles(pid: number): string {
  return readFileSync(`/proc/${pid}/maps`, 'utf8');
}

async function readerThreads(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = /^cameodb_worker_pool_threads\{pool="readers"\} (\d+)$/m.exec(text);
  if (match === null) throw new Error(`no reader thread gauge in /metrics:\n${text}`);
  return Number(match[1]);
}

async function call(server: ServerProcess, method: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

/** The thread ids the writer pools logged after setting their niceness (debug log). */
function renicedWriterThreads(server: ServerProcess): number[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.includes('worker thread priority set'))
    .map((line) => (JSON.parse(line) as { tid: number }).tid);
}

function threadIds(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map(Number);
}

describe('idle footprint of a single node', () => {
  it('does not load libp2p, keeps no reader thread until the first read, and renices the writers only', async () => {
    const server = await start(['--writer-threads', '2', '--writer-nice', '7', '--log-level', 'debug']);
    const pid = server.child.pid!;
    expect(mappedFiles(pid)).not.toContain(LIBP2P_NATIVE);
    expect(await readerThreads(server)).toBe(0);
    const writers = renicedWriterThreads(server);
    expect(writers).toHaveLength(2);
    for (const tid of writers) expect(readThreadNice({ pid, tid })).toBe(7);
    expect(readThreadNice({ pid, tid: pid })).not.toBe(7);
    // Threads inherit the niceness of the thread that creates them. Besides the writers, at
    // most one thread per writer may be niced: the module-loader thread tsx starts in each
    // when running from source. libuv's 4 pool threads, had a writer created them, would show.
    const others = threadIds(pid).filter((tid) => !writers.includes(tid));
    expect(others.filter((tid) => readThreadNice({ pid, tid }) === 7).length).toBeLessThanOrEqual(
      writers.length,
    );
    const before = new Set(threadIds(pid));

    expect(await call(server, 'PUT', '/api/books/document', { id: 'dune', doc: { title: 'Dune' } })).toBe(
      200,
    );
    expect(await call(server, 'POST', '/api/books/search', { query: 'dune' })).toBe(200);
    expect(await readerThreads(server)).toBeGreaterThanOrEqual(1);
    const started = threadIds(pid).filter((tid) => !before.has(tid));
    expect(started.length).toBeGreaterThanOrEqual(1);
    // The reader threads (and whatever they start) keep the main thread's priority.
    for (const tid of started) expect(readThreadNice({ pid, tid })).toBe(readThreadNice({ pid, tid: pid }));
  });

  it('loads libp2p when the cluster is enabled', async () => {
    const server = await start(['--cluster-enabled', '--cluster-port', '0']);
    expect(mappedFiles(server.child.pid!)).toContain(LIBP2P_NATIVE);
  });
});
