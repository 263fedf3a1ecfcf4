#!/usr/bin/env node
/**
 * Compiles CameoDB's SQLite extension (storage/native/cameo_bm25.c) into
 * storage/native/build/cameo_bm25.so with the machine's C compiler, against the SQLite
 * headers that better-sqlite3 ships. Run by `npm install` (postinstall) and, when the
 * library is missing or older than its source, by the storage layer on first use.
 * Prints one line saying what it did; exits non-zero with the compiler's output on failure.
 *
 * Usage: node scripts/native/build-native.mjs [--force]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = join(root, 'storage', 'native', 'cameo_bm25.c');
const output = join(root, 'storage', 'native', 'build', 'cameo_bm25.so');

function upToDate() {
  return existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs;
}

function sqliteHeaders() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
}

function build() {
  mkdirSync(dirname(output), { recursive: true });
  // A private name then a rename: concurrent builders (worker threads, parallel test files)
  // never load a half-written library.
  const partial = `${output}.${process.pid}.${Date.now()}.tmp`;
  const compiler = process.env.CC ?? 'cc';
  const args = ['-O2', '-fPIC', '-shared', '-Wall', '-I', sqliteHeaders(), '-o', partial, source, '-lm'];
  const result = spawnSync(compiler, args, { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    rmSync(partial, { force: true });
    const reason = result.error?.message ?? `${result.stderr}${result.stdout}`;
    process.stderr.write(`build-native: ${compiler} ${args.join(' ')} failed:\n${reason}\n`);
    process.exit(1);
  }
  renameSync(partial, output);
}

if (process.argv.includes('--force') || !upToDate()) {
  build();
  process.stdout.write(`build-native: built ${output}\n`);
} else {
  process.stdout.write(`build-native: ${output} is up to date\n`);
}
