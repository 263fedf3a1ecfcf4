import { describe, expect, it } from '@jest/globals';
import { GroupCommitter } from '../../../actors/index.js';
import type { ItemResult } from '../../../messages/index.js';
import type { WriteOperation } from '../../../storage/index.js';

function upsert(id: string, position = 0): WriteOperation {
  return { kind: 'upsert', position, index: 'books', id, doc: { title: id } };
}

/** A commit function that records its groups and answers after a tick, like a worker thread. */
function recordingCommit(groups: WriteOperation[][], fail?: (ops: WriteOperation[]) => boolean) {
  return async (operations: WriteOperation[]): Promise<ItemResult[]> => {
    groups.push(operations);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (fail?.(operations)) throw new Error('disk on fire');
    return operations.map((operation) =>
      operation.id.startsWith('bad')
        ? {
            ok: false,
            position: operation.position,
            id: operation.id,
            error: { type: 'Error', code: 'FIELD_TYPE_ERROR', message: 'bad' },
          }
        : { ok: true, position: operation.position, id: operation.id, result: 'created', version: 1 },
    );
  };
}

describe('GroupCommitter', () => {
  it('commits a lone write at once and groups the writes that arrive meanwhile', async () => {
    const groups: WriteOperation[][] = [];
    const committer = new GroupCommitter(recordingCommit(groups));
    const writes = Array.from({ length: 50 }, (_, i) => committer.submit([upsert(`doc-${i}`)]));
    const results = await Promise.all(writes);
    expect(results.map((result) => result[0]!.id)).toEqual(Array.from({ length: 50 }, (_, i) => `doc-${i}`));
    // The first write went alone; the 49 others waited for it and went together.
    expect(groups.map((group) => group.length)).toEqual([1, 49]);
    expect(committer.snapshot()).toEqual({
      waitingOperations: 0,
      groupsCommitted: 2,
      operationsCommitted: 50,
    });
  });

  it('gives every caller its own results in its own positions', async () => {
    const groups: WriteOperation[][] = [];
    const committer = new GroupCommitter(recordingCommit(groups));
    const first = committer.submit([upsert('a', 0)]);
    const batch = committer.submit([upsert('x', 7), upsert('bad-y', 8), upsert('z', 9)]);
    const single = committer.submit([upsert('bad-q', 0)]);
    expect((await first)[0]).toMatchObject({ ok: true, id: 'a', position: 0 });
    expect((await batch).map((result) => [result.position, result.id, result.ok])).toEqual([
      [7, 'x', true],
      [8, 'bad-y', false],
      [9, 'z', true],
    ]);
    expect((await single)[0]).toMatchObject({ ok: false, id: 'bad-q', position: 0 });
    // Group positions are 0..n-1 whatever the callers' positions were.
    expect(groups[1]!.map((operation) => operation.position)).toEqual([0, 1, 2, 3]);
  });

  it('respects the group size limit but never splits one caller', async () => {
    const groups: WriteOperation[][] = [];
    const committer = new GroupCommitter(recordingCommit(groups), 3);
    const lone = committer.submit([upsert('first')]);
    const big = committer.submit([upsert('b1'), upsert('b2'), upsert('b3'), upsert('b4')]);
    const small = committer.submit([upsert('s1')]);
    await Promise.all([lone, big, small]);
    expect(groups.map((group) => group.length)).toEqual([1, 4, 1]);
  });

  it('fails every caller of a group whose commit fails, and goes on with the next group', async () => {
    const groups: WriteOperation[][] = [];
    const committer = new GroupCommitter(
      recordingCommit(groups, (ops) => ops.some((op) => op.id === 'boom')),
    );
    const first = committer.submit([upsert('ok-1')]);
    const doomed = [committer.submit([upsert('boom')]), committer.submit([upsert('ok-2')])];
    await expect(first).resolves.toHaveLength(1);
    for (const write of doomed) await expect(write).rejects.toThrow('disk on fire');
    await expect(committer.submit([upsert('after')])).resolves.toMatchObject([{ ok: true, id: 'after' }]);
  });
});
