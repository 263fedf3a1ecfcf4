/** The rebalancing marker: which ring's handoff last completed, kept across restarts. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HANDOFF_STATE_FILE,
  HashRing,
  readCompletedRing,
  ringSignature,
  writeCompletedRing,
} from '../../../actors/index.js';

describe('handoff state file', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'cameodb-handoff-state-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('names a ring by its members and shard counts, whatever their order', () => {
    const ring = new HashRing([
      { nodeId: 'b', shardCount: 2 },
      { nodeId: 'a', shardCount: 4 },
    ]);
    const same = new HashRing([
      { nodeId: 'a', shardCount: 4 },
      { nodeId: 'b', shardCount: 2 },
    ]);
    expect(ringSignature(ring)).toBe('a:4,b:2');
    expect(ringSignature(same)).toBe(ringSignature(ring));
    expect(ringSignature(new HashRing([{ nodeId: 'a', shardCount: 4 }]))).not.toBe(ringSignature(ring));
  });

  it('remembers the last completed ring across reads; none before the first', () => {
    expect(readCompletedRing(directory)).toBeUndefined();
    writeCompletedRing(directory, 'a:2,b:2');
    expect(readCompletedRing(directory)).toBe('a:2,b:2');
    writeCompletedRing(directory, 'a:2,b:2,c:2');
    expect(readCompletedRing(directory)).toBe('a:2,b:2,c:2');
  });

  it('treats an unreadable file as no completed ring (the node scans again, which is safe)', () => {
    writeFileSync(join(directory, HANDOFF_STATE_FILE), '{"completedRing": 4');
    expect(readCompletedRing(directory)).toBeUndefined();
    writeFileSync(join(directory, HANDOFF_STATE_FILE), '{"other": "x"}');
    expect(readCompletedRing(directory)).toBeUndefined();
  });
});
