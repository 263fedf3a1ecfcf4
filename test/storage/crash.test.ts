/**
 * THE crash test: a real child process writes (bulk groups and 64 concurrent single writers
 * grouped per tick) and is killed with SIGKILL at random moments. After each kill the shard
 * is reopened (replaying the log) and checked: every acknowledged write is readable by id and
 * found by search, no hit points at a missing document, LMDB and FTS5 agree, and both
 * SQLite's and FTS5's integrity checks pass, and hybrid logical clock stamps never went
 * backwards across a kill.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ShardStore } from '../../storage/index.js';
import { docsTableIds, ftsIds, ftsRowids, silentLogger, temporaryDirectory } from './shard-helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const TRIALS = 24;

interface Ack {
  kind: 'upsert' | 'delete';
  serial: number;
}

/** Runs the writer until a random moment after it is ready, kills it, returns its stdout lines. */
function runAndKill(
  shardPath: string,
  mode: string,
  trial: number,
  delayMs: number,
  clockOffsetMs: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'crash-writer.ts'),
        shardPath,
        mode,
        String(trial),
        String(clockOffsetMs),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    let output = '';
    let errors = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (timer === undefined && output.startsWith('ready\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (${code}, ${signal}): ${errors}`));
      // A line cut by the kill is not an acknowledgement.
      else resolve(output.split('\n').slice(0, -1));
    });
  });
}

/** Documents and tokens of an FTS table counted from its `_docsize` rows (SQLite varints). */
function countDocsizeTotals(store: ShardStore, ftsTable: string): { documents: number; tokens: number } {
  let documents = 0;
  let tokens = 0;
  const rows = store.searchIndex.db.prepare(`SELECT sz FROM ${ftsTable}_docsize`).all() as {
    sz: Uint8Array;
  }[];
  for (const { sz } of rows) {
    documents += 1;
    let value = 0;
    for (const byte of sz) {
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) {
        tokens += value;
        value = 0;
      }
    }
  }
  return { documents, tokens };
}

describe('crash safety under kill -9', () => {
  const directory = temporaryDirectory('cameodb-crash-');
  afterAll(() => directory.cleanup());

  it(`loses no acknowledged write over ${TRIALS} random kills`, async () => {
    const acked = new Map<string, Ack>();
    // Deletes sent but maybe not acknowledged (the group in flight at a kill may have landed).
    const pendingDeletes = new Map<string, number>();
    let totalAcks = 0;
    const modes = ['bulk', 'singles', 'mixed'];
    for (let trial = 1; trial <= TRIALS; trial += 1) {
      const mode = modes[trial % modes.length] ?? 'mixed';
      const delay = 100 + Math.floor(Math.random() * 700);
      // Each writer's clock is a minute behind the previous one's: stamps must not follow it back.
      const lines = await runAndKill(directory.path, mode, trial, delay, (TRIALS - trial) * 60_000);
      for (const line of lines) {
        const [word, a, b, c] = line.split(' ');
        if (word === 'pending-delete' && a !== undefined)
          pendingDeletes.set(a, Math.max(Number(b), pendingDeletes.get(a) ?? -1));
        if (word === 'ack' && b !== undefined) {
          acked.set(b, { kind: a as Ack['kind'], serial: Number(c) });
          totalAcks += 1;
        }
      }

      const store = new ShardStore(directory.path, { logger: silentLogger });
      try {
        const problems: string[] = [];
        for (const [id, ack] of acked) {
          const found = store.get('crash', id);
          const serial = found === undefined ? undefined : Number(found.doc.serial);
          if (ack.kind === 'upsert') {
            const deletedLater = (pendingDeletes.get(id) ?? -1) > ack.serial;
            if (found === undefined && !deletedLater)
              problems.push(`acked upsert ${id}@${ack.serial} missing`);
            if (serial !== undefined && serial < ack.serial)
              problems.push(`acked upsert ${id}@${ack.serial} older (${serial})`);
          } else if (serial !== undefined && serial < ack.serial) {
            problems.push(`acked delete ${id}@${ack.serial} still has ${serial}`);
          }
          if (found !== undefined && serial !== undefined) {
            const hits = ftsIds(store, 'crash', `tok${serial}`);
            if (hits.length !== 1 || hits[0] !== id)
              problems.push(`${id}@${serial} not found by search (${hits.join(',')})`);
            // A value filter (a fast field: its sort column, or the values table) finds it too.
            const filtered = store
              .search('crash', { query: `serial:${serial}`, limit: 5, offset: 0 })
              .hits.map((hit) => hit.id);
            if (filtered.length !== 1 || filtered[0] !== id)
              problems.push(`${id}@${serial} not found by filter (${filtered.join(',')})`);
          }
        }
        // LMDB and FTS5 agree: the documents in LMDB are exactly those indexed, and every
        // FTS hit has its document.
        const lmdbIds = [...acked.keys()].filter((id) => store.get('crash', id) !== undefined).sort();
        const docsIds = docsTableIds(store, 'crash');
        const allLmdb = docsIds.filter((id) => store.get('crash', id) === undefined);
        if (allLmdb.length > 0) problems.push(`docs rows without LMDB document: ${allLmdb.join(',')}`);
        for (const id of lmdbIds) if (!docsIds.includes(id)) problems.push(`LMDB document ${id} not indexed`);
        const stats = store.stats();
        const indexed = stats.indexes.find((index) => index.name === 'crash');
        if (indexed !== undefined && indexed.documents !== docsIds.length) {
          problems.push(`LMDB counts ${indexed.documents} documents, SQLite ${docsIds.length}`);
        }
        const commonHits = ftsRowids(store, 'crash', 'common');
        if (commonHits.length !== docsIds.length)
          problems.push(`FTS has ${commonHits.length} rows, docs ${docsIds.length}`);
        // The kept BM25 totals match the rows FTS5 holds.
        const ftsTable = store.searchIndex.layoutRecord('crash')?.layout.ftsTable;
        if (ftsTable !== undefined) {
          const kept = store.searchIndex.corpusTotals(ftsTable);
          const counted = countDocsizeTotals(store, ftsTable);
          if (kept.documents !== counted.documents || kept.tokens !== counted.tokens)
            problems.push(`fts_totals ${JSON.stringify(kept)} != rows ${JSON.stringify(counted)}`);
        }
        // Stamps never went backwards across the kills: a later write (higher serial) has a
        // larger stamp, and a write after the reopen is above every stamp stored.
        const stamped = store.reads
          .scan('crash', undefined, 10_000)
          .documents.map((document) => ({ serial: Number(document.doc.serial), stamp: document.stamp }))
          .sort((a, b) => a.serial - b.serial);
        for (const [position, entry] of stamped.entries()) {
          const before = stamped[position - 1];
          if (before !== undefined && entry.stamp <= before.stamp)
            problems.push(`stamp of serial ${entry.serial} not above serial ${before.serial}'s`);
        }
        store.write('stamp-probe', 'probe', { trial });
        const probe = store.reads.scan('stamp-probe', undefined, 1).documents[0]?.stamp ?? 0;
        const highest = stamped.at(-1)?.stamp ?? 0;
        if (probe <= highest) problems.push(`stamp after reopen ${probe} not above ${highest}`);
        problems.push(...store.searchIndex.integrityProblems());
        if (stats.watermark !== stats.lastSequence)
          problems.push(`watermark ${stats.watermark} != ${stats.lastSequence}`);
        expect({ trial, mode, problems }).toEqual({ trial, mode, problems: [] });
      } finally {
        store.close();
      }
    }
    // The test must have exercised something: thousands of acknowledged writes.
    expect(totalAcks).toBeGreaterThan(TRIALS * 100);
  }, 150_000);
});
