/**
 * Idle memory of the real `cameodb` server (issue 4, target: resident set <= 150 MB). Starts
 * `node bin/cameodb.js` as a child, compiled (NODE_ENV=production, dist/ built first) and
 * from the TypeScript sources (tsx), each with a fresh data directory and the default
 * settings, waits until it listens plus `--settle` seconds, and reads VmRSS and the thread
 * count from /proc/<pid>/status. Then it writes one document and runs one search (which
 * starts the reader threads), times that first search and reads the resident set again.
 *
 *   npm run bench:rss -- [--settle 5] [--runs 1] [--modes compiled,source] [--no-build] [-- <server flags>]
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_BYTES = 150e6;

type Mode = 'compiled' | 'source';

interface Sample {
  readonly mode: Mode;
  readonly run: number;
  readonly startMs: number;
  readonly idleRssKiB: number;
  readonly idleThreads: number;
  readonly firstSearchMs: number;
  readonly afterSearchRssKiB: number;
  readonly afterSearchThreads: number;
}

function procStatus(pid: number): { rssKiB: number; threads: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
    if (match === null) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), threads: readdirSync(`/proc/${pid}/task`).length };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the port from the server's `"msg":"listening"` log line. */
function listening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`server not listening after ${timeoutMs} ms\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${code ?? signal})\n${output}`));
    });
  });
}

async function call(url: string, method: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
}

async function measure(
  mode: Mode,
  run: number,
  settleMs: number,
  serverArgs: readonly string[],
): Promise<Sample> {
  const dataPath = mkdtempSync(join(tmpdir(), 'cameodb-rss-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  if (mode === 'compiled') env.NODE_ENV = 'production';
  else delete env.NODE_ENV;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'cameodb.js'), '--http-port', '0', '--data-paths', dataPath, ...serverArgs],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const port = await listening(child, 120_000);
    const startMs = performance.now() - started;
    await sleep(settleMs);
    const idle = procStatus(child.pid!);
    const base = `http://127.0.0.1:${port}/api/rss_bench`;
    await call(`${base}/document`, 'PUT', { id: 'dune', doc: { title: 'Dune', author: 'Frank Herbert' } });
    const searchStarted = performance.now();
    await call(`${base}/search`, 'POST', { query: 'herbert' });
    const firstSearchMs = performance.now() - searchStarted;
    await sleep(1_000);
    const after = procStatus(child.pid!);
    return {
      mode,
      run,
      startMs,
      idleRssKiB: idle.rssKiB,
      idleThreads: idle.threads,
      firstSearchMs,
      afterSearchRssKiB: after.rssKiB,
      afterSearchThreads: after.threads,
    };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataPath, { recursive: true, force: true });
  }
}

function megabytes(kib: number): string {
  return `${((kib * 1024) / 1e6).toFixed(1)} MB (${(kib / 1024).toFixed(1)} MiB)`;
}

async function main(): Promise<void> {
  const separator = process.argv.indexOf('--', 2);
  const own = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
  const serverArgs = separator === -1 ? [] : process.argv.slice(separator + 1);
  const { values } = parseArgs({
    args: own,
    options: {
      settle: { type: 'string', default: '5' },
      runs: { type: 'string', default: '1' },
      modes: { type: 'string', default: 'compiled,source' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const settleMs = Number(values.settle) * 1000;
  const runs = Number(values.runs);
  const modes = values.modes.split(',').map((mode) => {
    if (mode !== 'compiled' && mode !== 'source') throw new Error(`unknown mode ${mode}`);
    return mode;
  });
  if (modes.includes('compiled') && !values['no-build']) {
    process.stdout.write('building dist/ (npm run build) ...\n');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  process.stdout.write(
    `idle RSS of the cameodb server, settle ${values.settle} s, server flags: ${serverArgs.join(' ') || '(defaults)'}\n`,
  );
  const samples: Sample[] = [];
  for (const mode of modes) {
    for (let run = 1; run <= runs; run++) {
      const sample = await measure(mode, run, settleMs, serverArgs);
      samples.push(sample);
      const verdict = sample.idleRssKiB * 1024 <= TARGET_BYTES ? 'met' : 'missed';
      process.stdout.write(
        `${mode.padEnd(8)} run ${run}: ready in ${sample.startMs.toFixed(0)} ms; idle ${megabytes(sample.idleRssKiB)}, ` +
          `${sample.idleThreads} threads [target <= 150 MB: ${verdict}]; first search ${sample.firstSearchMs.toFixed(0)} ms, ` +
          `then ${megabytes(sample.afterSearchRssKiB)}, ${sample.afterSearchThreads} threads\n`,
      );
    }
  }
  const missed = samples.filter(
    (sample) => sample.mode === 'compiled' && sample.idleRssKiB * 1024 > TARGET_BYTES,
  );
  process.exitCode = missed.length === 0 ? 0 : 1;
}

await main();
