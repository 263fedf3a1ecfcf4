/**
 * Cost of the tombstone every delete now leaves (rebalancing, docs/CLUSTER.md): one shard
 * store in this thread; loads BENCH_DOCS documents in 1000-document groups, then deletes
 * them in 1000-document groups and the same number of absent ids, and reports deletes/s.
 * Run with `npx tsx scripts/bench/tombstone-bench.ts`; run it on a commit before tombstones
 * (with the same script) for the comparison. Options (env): BENCH_DOCS (default 50000).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ShardStore, type WriteOperation } from '../../storage/index.js';

const DOCS = Number(process.env['BENCH_DOCS'] ?? 50_000);
const GROUP = 1000;
const directory = mkdtempSync(join(tmpdir(), 'cameodb-tombstone-bench-'));

function timed(label: string, run: () => void, operations: number): void {
  const started = process.hrtime.bigint();
  run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    `${label}: ${operations} in ${ms.toFixed(0)} ms, ${Math.round((operations / ms) * 1000)} ops/s`,
  );
}

function groups(make: (i: number) => WriteOperation): WriteOperation[][] {
  return Array.from({ length: Math.ceil(DOCS / GROUP) }, (_, g) =>
    Array.from({ length: Math.min(GROUP, DOCS - g * GROUP) }, (_, k) => make(g * GROUP + k)),
  );
}

const store = new ShardStore(directory, { logger: pino({ level: 'silent' }) });
try {
  const writes = groups((i) => ({
    kind: 'upsert',
    position: i % GROUP,
    index: 'bench',
    id: `doc-${i}`,
    doc: { title: `title ${i}`, body: `some words for document ${i}`, n: i },
  }));
  timed('upserts', () => writes.forEach((group) => store.applyWrites(group)), DOCS);
  const deletes = groups((i) => ({ kind: 'delete', position: i % GROUP, index: 'bench', id: `doc-${i}` }));
  timed('deletes of present documents', () => deletes.forEach((group) => store.applyWrites(group)), DOCS);
  const absent = groups((i) => ({ kind: 'delete', position: i % GROUP, index: 'bench', id: `absent-${i}` }));
  timed('deletes of absent ids', () => absent.forEach((group) => store.applyWrites(group)), DOCS);
} finally {
  store.close();
  rmSync(directory, { recursive: true, force: true });
}
