/**
 * Child process of the crash test (not a test itself): writes to a shard until it is killed.
 * Usage: node --import tsx crash-writer.ts <shardPath> <bulk|singles|mixed> <trial> [clockOffsetMs]
 * (`clockOffsetMs`: the shard's wall clock runs this far from the machine's, to simulate a
 * clock set back between restarts).
 * Prints `ready` once open, `pending-delete <id> <serial>` before a group that deletes, and
 * `ack <upsert|delete> <id> <serial>` after each acknowledged operation.
 * Every upserted document holds the word `common`, the word `tok<serial>` and `serial`.
 * @module
 */
import { pino } from 'pino';
import { ShardStore, type WriteOperation } from '../../storage/index.js';

const [shardPath, mode = 'mixed', trialText = '0', clockOffsetText = '0'] = process.argv.slice(2);
if (shardPath === undefined) throw new Error('usage: crash-writer <shardPath> <mode> <trial>');
const trial = Number(trialText);
const ID_POOL = 2000;
const clockOffsetMs = Number(clockOffsetText);
const store = new ShardStore(shardPath, {
  logger: pino({ level: 'silent' }),
  trimEveryGroups: 7,
  wallClock: () => Date.now() + clockOffsetMs,
});
let serial = trial * 10_000_000;
let random = trial * 7919 + 17;
function next(limit: number): number {
  random = (random * 1103515245 + 12345) % 2147483648;
  // The low bits of this generator cycle quickly: use the high ones.
  return Math.floor(random / 65536) % limit;
}

function operation(position: number): WriteOperation {
  serial += 1;
  const id = `doc-${next(ID_POOL)}`;
  if (next(10) === 0) return { kind: 'delete', position, index: 'crash', id };
  const doc: Record<string, string | number> = {
    title: `common tok${serial} words ${id}`,
    serial,
    size: next(1000),
  };
  // Now and then a new text field: the FTS table is rebuilt while we may get killed.
  if (next(400) === 0) doc[`field_${trial}_${serial % 97}`] = `common rebuild tok${serial}`;
  return { kind: 'upsert', position, index: 'crash', id, doc };
}

function applyAndAck(operations: WriteOperation[]): void {
  const lines: string[] = [];
  for (const op of operations) {
    if (op.kind === 'delete') lines.push(`pending-delete ${op.id} ${serialOf(op)}`);
  }
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  const results = store.applyWrites(operations);
  const acks = results.flatMap((result, index) => {
    const op = operations[index];
    return result.ok && op !== undefined ? [`ack ${op.kind} ${op.id} ${serialOf(op)}`] : [];
  });
  process.stdout.write(`${acks.join('\n')}\n`);
}

const serials = new WeakMap<WriteOperation, number>();
function serialOf(op: WriteOperation): number {
  return serials.get(op) ?? -1;
}
function makeOperation(position: number): WriteOperation {
  const op = operation(position);
  serials.set(op, serial);
  return op;
}

function bulkRound(): void {
  applyAndAck(Array.from({ length: 200 }, (_, position) => makeOperation(position)));
}

/** 64 writers each awaiting its own single write; one group per tick, as the actor does. */
async function singlesRound(): Promise<void> {
  let queue: { op: WriteOperation; done: () => void }[] = [];
  let scheduled = false;
  const submit = (op: WriteOperation): Promise<void> =>
    new Promise((resolve) => {
      queue.push({ op, done: resolve });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          const group = queue;
          queue = [];
          applyAndAck(group.map((entry) => entry.op));
          for (const entry of group) entry.done();
        });
      }
    });
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let round = 0; round < 5; round += 1) await submit(makeOperation(0));
    }),
  );
}

process.stdout.write('ready\n');
for (;;) {
  if (mode === 'bulk' || (mode === 'mixed' && next(2) === 0)) bulkRound();
  else await singlesRound();
  await new Promise((resolve) => setImmediate(resolve));
}
