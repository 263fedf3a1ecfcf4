/**
 * The ring's membership, kept in `<dataPath>/cluster-members.json`. Membership is sticky:
 * a node that goes down stays on the ring (its keys answer 503 naming it) until it comes
 * back, and a node that restarts while another is down must still know the absent one,
 * or it would route that node's keys elsewhere. So the list survives restarts.
 * @module
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CameoError } from '../../messages/index.js';

/** File name of the membership list inside the first data path. */
export const MEMBERSHIP_FILE = 'cluster-members.json';

/** One member of the ring. */
export interface RingMemberRecord {
  readonly nodeId: string;
  readonly shardCount: number;
  /** Where it was last reached (dialled at start, so a restarted node finds its peers without seeds). */
  readonly addresses?: readonly string[];
}

const fileSchema = z.object({
  members: z.array(
    z.object({
      nodeId: z.string().min(1),
      shardCount: z.number().int().positive(),
      addresses: z.array(z.string()).optional(),
    }),
  ),
  /** Members removed for good (never taken back onto the ring). */
  removed: z.array(z.string().min(1)).optional(),
  /** Members being decommissioned: still members (asked, searched), no longer on the ring. */
  leaving: z.array(z.string().min(1)).optional(),
});

/** The ring's members, the nodes removed from it for good, and the members leaving it. */
export interface Membership {
  readonly members: RingMemberRecord[];
  readonly removed: string[];
  readonly leaving: string[];
}

/** The membership file exists but cannot be read. */
export class MembershipFileError extends CameoError {
  static readonly code = 'MEMBERSHIP_FILE_ERROR';
  constructor(message: string, details?: unknown) {
    super(MembershipFileError.code, message, { details });
  }
}

/** Reads the members stored in `dataPath` (none when the file does not exist yet). */
export function readMembers(dataPath: string): RingMemberRecord[] {
  return readMembership(dataPath).members;
}

/** Reads the members and removed nodes stored in `dataPath` (none when there is no file). */
export function readMembership(dataPath: string): Membership {
  const file = join(dataPath, MEMBERSHIP_FILE);
  if (!existsSync(file)) return { members: [], removed: [], leaving: [] };
  try {
    const parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    return { members: parsed.members, removed: parsed.removed ?? [], leaving: parsed.leaving ?? [] };
  } catch (error) {
    throw new MembershipFileError(`${file} is not a valid membership list: ${(error as Error).message}`, {
      file,
    });
  }
}

/** Writes the members durably (temporary file, fsync, rename). */
export function writeMembers(
  dataPath: string,
  members: readonly RingMemberRecord[],
  removed: readonly string[] = [],
  leaving: readonly string[] = [],
): void {
  const file = join(dataPath, MEMBERSHIP_FILE);
  const temporary = `${file}.tmp`;
  const sorted = [...members].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  const descriptor = openSync(temporary, 'w');
  try {
    const content = {
      members: sorted,
      ...(removed.length === 0 ? {} : { removed: [...removed].sort() }),
      ...(leaving.length === 0 ? {} : { leaving: [...leaving].sort() }),
    };
    writeSync(descriptor, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, file);
}
