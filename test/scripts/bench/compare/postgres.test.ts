/**
 * The Postgres half of the comparison against a real PostgreSQL 15 (the Debian package
 * must be installed): lifecycle, durability check, schema, every query kind, and cleanup
 * on SIGINT/SIGTERM of the harness.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { CorpusDocument } from '../../../../scripts/bench/compare/corpus.js';
import { BenchRequestError } from '../../../../scripts/bench/compare/errors.js';
import { startPostgres } from '../../../../scripts/bench/compare/postgres-server.js';
import type { PostgresServer } from '../../../../scripts/bench/compare/postgres-server.js';
import { createPostgresTarget } from '../../../../scripts/bench/compare/postgres-target.js';
import type { BenchTarget } from '../../../../scripts/bench/compare/target.js';

const logger = pino({ level: 'silent' });
const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, '..', '..', '..', '..');

function document(id: string, name: string, description: string, section = 'utils'): CorpusDocument {
  return { id, name, section, version: '1', description, maintainer: '', architecture: 'all' };
}

/** Whether `pid` is a running process; a zombie (exited, not yet reaped by init) is not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name: "pid (comm) S ...".
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

describe('PostgreSQL target', () => {
  let server: PostgresServer;
  let target: BenchTarget;

  beforeAll(async () => {
    server = await startPostgres(logger, () => undefined); // stopped in afterAll
    target = await createPostgresTarget({ ...server, maxConnections: 4 });
  }, 60_000);

  afterAll(async () => {
    await target?.close();
    await server?.stop();
    expect(existsSync(server.dataDirectory)).toBe(false);
  }, 60_000);

  it('bulk-inserts, upserts and gets documents by id', async () => {
    await target.bulkInsert([
      document('jq', 'jq', 'lightweight and flexible command line JSON processor'),
      document('python3-json', 'python3-json', 'JSON library for Python', 'python'),
      document('jsonparser', 'jsonparser', 'parser of JSON', 'devel'),
      document('gzip', 'gzip', 'GNU compression utilities'),
    ]);
    await target.afterBulkLoad();
    expect(await target.getDocument('gzip')).toMatchObject({ name: 'gzip', section: 'utils' });
    expect(await target.getDocument('absent')).toBeUndefined();
    await target.putDocument(document('gzip', 'gzip', 'GNU compression utility, updated'));
    expect((await target.getDocument('gzip'))?.description).toBe('GNU compression utility, updated');
  });

  it('ranks a match in the name (weight A) above one in the description (weight B)', async () => {
    expect(await target.search({ kind: 'term', terms: ['jq'] }, 10)).toEqual(['jq']);
    const json = await target.search({ kind: 'term', terms: ['json'] }, 10);
    expect(new Set(json)).toEqual(new Set(['jq', 'python3-json', 'jsonparser']));
    expect(json.indexOf('python3-json')).toBeLessThan(json.indexOf('jq'));
    expect(await target.search({ kind: 'term', terms: ['json', 'python'] }, 10)).toEqual(['python3-json']);
    expect(await target.search({ kind: 'term', terms: ['json'] }, 1)).toHaveLength(1);
  });

  it('counts every match of a query, beyond the limit', async () => {
    expect(await target.countMatches({ kind: 'term', terms: ['json'] })).toBe(3);
    expect(await target.countMatches({ kind: 'filtered', terms: ['json'], section: 'devel' })).toBe(1);
    expect(await target.countMatches({ kind: 'term', terms: ['absentword'] })).toBe(0);
  });

  it('answers phrase, prefix and filtered queries', async () => {
    expect(await target.search({ kind: 'phrase', words: ['command', 'line'] }, 10)).toEqual(['jq']);
    expect(await target.search({ kind: 'phrase', words: ['line', 'command'] }, 10)).toEqual([]);
    expect(new Set(await target.search({ kind: 'prefix', prefix: 'comp' }, 10))).toEqual(new Set(['gzip']));
    expect(await target.search({ kind: 'filtered', terms: ['json'], section: 'devel' }, 10)).toEqual([
      'jsonparser',
    ]);
    expect(await target.search({ kind: 'filtered', terms: ['json'], section: "x' OR '1'='1" }, 10)).toEqual(
      [],
    );
  });

  it('a query syntax error is a typed request error, not a crash', async () => {
    await expect(target.search({ kind: 'prefix', prefix: '&|(' }, 10)).rejects.toBeInstanceOf(
      BenchRequestError,
    );
    // The pool is still usable afterwards.
    expect(await target.search({ kind: 'term', terms: ['jq'] }, 10)).toEqual(['jq']);
  });
});

function throwAwayDirectories(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('cameodb-compare-pg-')));
}

describe('PostgreSQL lifecycle', () => {
  it('a signal in the middle of starting still stops the server and removes its directory', async () => {
    const before = throwAwayDirectories();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'hold-postgres.ts'), 'early'],
      {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await sleep(1_000); // inside initdb or pg_ctl start
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const leaked = [...throwAwayDirectories()].filter((name) => !before.has(name));
    expect(leaked).toEqual([]);
  }, 60_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to the harness stops the server and removes its directory`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'hold-postgres.ts')], {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const newline = buffered.indexOf('\n');
          if (newline >= 0) resolve(buffered.slice(0, newline));
        });
        child.once('exit', (code) => reject(new Error(`fixture exited early (${code}): ${stderr}`)));
      });
      const { pid, dataDirectory } = JSON.parse(line) as { pid: number; dataDirectory: string };
      expect(alive(pid)).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(alive(pid)).toBe(false);
      expect(existsSync(dirname(dataDirectory))).toBe(false);
    }, 60_000);
  }
});
