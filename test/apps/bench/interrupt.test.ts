/**
 * The tool as a process: Ctrl-C (SIGINT) during the measured phase stops the load, prints
 * the partial report, stops the spawned server and exits 130; bad usage exits 2.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../../../apps/bench/index.js';

const MAIN = join(REPOSITORY_ROOT, 'apps', 'bench', 'main.ts');

function runTool(args: string[], onStderr?: (text: string, signal: (name: NodeJS.Signals) => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr?.(stderr, (name) => child.kill(name));
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('bench main', () => {
  it('on SIGINT while measuring: reports, stops its server, exits 130', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cameodb-bench-int-'));
    const corpus = join(directory, 'corpus.jsonl');
    writeFileSync(
      corpus,
      Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ id: `d${i}`, description: `word${i} text` }),
      ).join('\n'),
    );
    try {
      let sent = false;
      const result = await runTool(
        [
          '--spawn-server',
          '--corpus',
          corpus,
          '--mode',
          'write',
          '-c',
          '2',
          '-d',
          '60s',
          '--warmup',
          '0',
          '--json',
        ],
        (stderr, signal) => {
          if (!sent && stderr.includes('measuring')) {
            sent = true;
            setTimeout(() => signal('SIGINT'), 500);
          }
        },
      );
      expect(result.code).toBe(130);
      const report = JSON.parse(result.stdout) as {
        server: { pid: number; spawned: boolean };
        stats: { elapsedMs: number };
        results: { kind: string; failed: number; succeeded: number }[];
      };
      expect(report.server.spawned).toBe(true);
      expect(report.stats.elapsedMs).toBeLessThan(30_000);
      expect(report.results[0]).toMatchObject({ kind: 'write', failed: 0 });
      expect(report.results[0]!.succeeded).toBeGreaterThan(0);
      expect(() => process.kill(report.server.pid, 0)).toThrow();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 90_000);

  it('exits 2 with a message on bad usage', async () => {
    const result = await runTool(['--mode', 'write']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--url <url> or --spawn-server');
  }, 30_000);
});
