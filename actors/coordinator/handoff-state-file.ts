/**
 * The rebalancing marker `<first data path>/handoff-state.json`: the ring (its members and
 * shard counts, as a signature) for which this node last completed a handoff pass. A node that
 * starts with a different ring (it stopped mid-handoff, or members joined while it was down)
 * scans its documents again; one whose ring is unchanged does not. Written durably
 * (temporary file, fsync, rename).
 * @module
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { HashRing } from './hash-ring.js';

/** File name of the marker inside the first data path. */
export const HANDOFF_STATE_FILE = 'handoff-state.json';

const fileSchema = z.object({ completedRing: z.string() });

/** The ring's identity: its members and their shard counts, sorted. */
export function ringSignature(ring: HashRing): string {
  return ring.members.map((member) => `${member.nodeId}:${member.shardCount}`).join(',');
}

/**
 * The signature of the ring whose handoff last completed; undefined when none did (or the
 * file is unreadable: then the scan runs again, which is always safe).
 */
export function readCompletedRing(dataPath: string): string | undefined {
  const file = join(dataPath, HANDOFF_STATE_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = fileSchema.safeParse(safeJson(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data.completedRing : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Records that the handoff for the ring with `signature` completed. */
export function writeCompletedRing(dataPath: string, signature: string): void {
  const file = join(dataPath, HANDOFF_STATE_FILE);
  const temporary = `${file}.tmp`;
  const descriptor = openSync(temporary, 'w');
  try {
    writeSync(descriptor, `${JSON.stringify({ completedRing: signature })}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, file);
}
