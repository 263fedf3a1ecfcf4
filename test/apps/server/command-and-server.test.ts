/**
 * The `cameodb` command in-process (help, version, generate-config, check-config, client
 * dispatch, serve with graceful shutdown on SIGTERM) and startServer over real HTTP.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  defaultConfig,
  runCommand,
  startServer,
  type CommandDependencies,
  type RunningServer,
} from '../../../apps/server/index.js';
import { FakeNode, silentLogger } from './fake-node.js';

const directory = mkdtempSync(join(tmpdir(), 'cameodb-command-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Harness {
  deps: CommandDependencies;
  stdout: () => string;
  stderr: () => string;
  exits: number[];
  signals: EventEmitter;
  nodes: FakeNode[];
  started: RunningServer[];
  clientArgs: string[][];
}

function harness(env: Record<string, string> = {}): Harness {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const signals = new EventEmitter();
  const exits: number[] = [];
  const nodes: FakeNode[] = [];
  const started: RunningServer[] = [];
  const clientArgs: string[][] = [];
  return {
    deps: {
      version: '9.9.9',
      createNode: async () => {
        const node = new FakeNode();
        nodes.push(node);
        return node;
      },
      runClient: async (args) => {
        clientArgs.push(args);
        return 3;
      },
      env,
      stdout: out,
      stderr: err,
      exit: (code) => exits.push(code),
      signals: signals as unknown as CommandDependencies['signals'],
      onStarted: (server) => started.push(server),
    },
    stdout: () => stdout,
    stderr: () => stderr,
    exits,
    signals,
    nodes,
    started,
    clientArgs,
  };
}

describe('cameodb command', () => {
  it('--help lists the flags and subcommands and exits 0', async () => {
    const h = harness();
    expect(await runCommand(['--help'], h.deps)).toBe(0);
    for (const text of [
      '--http-port',
      '--http-bind-address',
      '--data-paths',
      '--shards',
      '--config',
      '--cluster-psk-file',
      'generate-config',
      'check-config',
      'client',
    ]) {
      expect(h.stdout()).toContain(text);
    }
  });

  it('--version prints the version', async () => {
    const h = harness();
    expect(await runCommand(['--version'], h.deps)).toBe(0);
    expect(h.stdout().trim()).toBe('9.9.9');
  });

  it('an unknown flag is a usage error with exit code 1', async () => {
    const h = harness();
    expect(await runCommand(['--htp-port', '1'], h.deps)).toBe(1);
    expect(h.stderr()).toContain('--htp-port');
  });

  it('generate-config prints a config that check-config accepts', async () => {
    const h = harness();
    expect(await runCommand(['generate-config'], h.deps)).toBe(0);
    const path = join(directory, 'generated.toml');
    writeFileSync(path, h.stdout());
    const check = harness();
    expect(await runCommand(['check-config', path], check.deps)).toBe(0);
    expect(check.stdout()).toContain('valid');
  });

  it('check-config exits 1 and names the bad key', async () => {
    const path = join(directory, 'bad.yaml');
    writeFileSync(path, 'http:\n  port: -1\n');
    const h = harness();
    expect(await runCommand(['check-config', path], h.deps)).toBe(1);
    expect(h.stderr()).toMatch(/http\.port \(from file .*bad\.yaml\)/);
  });

  it('dispatches `client ...` with its raw arguments', async () => {
    const h = harness();
    expect(await runCommand(['client', 'search', 'books', '--limit', '3'], h.deps)).toBe(3);
    expect(h.clientArgs).toEqual([['search', 'books', '--limit', '3']]);
  });

  it('refuses to start with an invalid configuration (exit 1, no node built)', async () => {
    const h = harness({ CAMEODB_SHARDS: 'many' });
    expect(await runCommand(['--http-port', '0'], h.deps)).toBe(1);
    expect(h.stderr()).toContain('storage.shards (from env CAMEODB_SHARDS)');
    expect(h.nodes).toHaveLength(0);
  });

  it('serves until SIGTERM, then drains, stops the node and exits 0', async () => {
    const h = harness();
    const dataPath = join(directory, 'data');
    expect(
      await runCommand(
        ['--http-port', '0', '--data-paths', dataPath, '--log-level', 'info', '--node-name', 'n1'],
        h.deps,
      ),
    ).toBeNull();
    const server = h.started[0] as RunningServer;
    expect(h.stderr()).toContain(server.url);
    expect(h.stderr()).toContain(`${dataPath} (4 shards)`);
    const listening = h
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry['msg'] === 'listening');
    expect(listening).toMatchObject({ port: server.port, url: server.url, level: 30 });

    const put = await fetch(`${server.url}/api/books/document`, {
      method: 'PUT',
      body: JSON.stringify({ id: '1', doc: { t: 'x' } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(200);
    h.signals.emit('SIGTERM');
    for (let i = 0; i < 100 && h.exits.length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.exits).toEqual([0]);
    expect(h.nodes[0]?.stopped).toBe(1);
    await expect(fetch(`${server.url}/_cluster/health`)).rejects.toThrow();
  });
});

describe('startServer', () => {
  it('lets an in-flight request finish during a graceful stop, then stops the node', async () => {
    const node = new FakeNode();
    let release: (() => void) | undefined;
    node.intercept = (op) =>
      op.type === 'ListIndexes'
        ? new Promise((resolve) => (release = () => resolve({ type: 'ListIndexesResult', indexes: [] })))
        : undefined;
    const config = { ...defaultConfig(), http: { ...defaultConfig().http, port: 0 } };
    const server = await startServer(config, { createNode: async () => node, logger: silentLogger });
    const slow = fetch(`${server.url}/_indexes`);
    for (let i = 0; i < 100 && release === undefined; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = server.stop();
    expect(server.stop()).toBe(stopping);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(node.stopped).toBe(0); // still draining
    release?.();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ total_indexes: 0 });
    await stopping;
    expect(node.stopped).toBe(1);
  });

  it('closes connections after the drain timeout when a request hangs', async () => {
    const node = new FakeNode();
    node.intercept = () => new Promise(() => undefined);
    const base = defaultConfig();
    const config = {
      ...base,
      http: { ...base.http, port: 0, shutdownTimeoutMs: 100, requestTimeoutMs: 60_000 },
    };
    const server = await startServer(config, { createNode: async () => node, logger: silentLogger });
    const hung = fetch(`${server.url}/_indexes`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(node.stopped).toBe(1);
    expect(String(await hung)).toMatch(/fetch failed/);
  });

  it('enforces body limits over a real socket: declared, chunked and gzip bodies', async () => {
    const node = new FakeNode();
    const base = defaultConfig();
    const config = { ...base, http: { ...base.http, port: 0, maxBodyBytes: 1_000 } };
    const server = await startServer(config, { createNode: async () => node, logger: silentLogger });
    try {
      const url = `${server.url}/api/books/document`;
      const headers = { 'content-type': 'application/json' };
      const small = JSON.stringify({ id: 'a', doc: { t: 'x' } });
      expect((await fetch(url, { method: 'PUT', body: small, headers })).status).toBe(200);
      const big = JSON.stringify({ id: 'b', doc: { t: 'x'.repeat(5_000) } });
      const declared = await fetch(url, { method: 'PUT', body: big, headers });
      expect(declared.status).toBe(413);
      const chunks = [big.slice(0, 900), big.slice(900, 1_800), big.slice(1_800)];
      const chunked = await fetch(url, {
        method: 'PUT',
        headers,
        duplex: 'half',
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(next));
          },
        }),
      } as RequestInit);
      expect(chunked.status).toBe(413);
      const zipped = await fetch(url, {
        method: 'PUT',
        body: gzipSync(JSON.stringify({ id: 'z', doc: { t: 'y'.repeat(500) } })),
        headers: { ...headers, 'content-encoding': 'gzip' },
      });
      expect(zipped.status).toBe(200);
      expect(node.indexes.get('books')?.docs.has('z')).toBe(true);
      // The server is still healthy after refusing bodies mid-upload.
      expect((await fetch(`${server.url}/api/books/document?id=a`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('stops the node and fails when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const node = new FakeNode();
    const base = defaultConfig();
    await expect(
      startServer(
        { ...base, http: { ...base.http, port } },
        { createNode: async () => node, logger: silentLogger },
      ),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(node.stopped).toBe(1);
    await new Promise((resolve) => blocker.close(resolve));
  });
});
