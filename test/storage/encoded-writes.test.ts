/**
 * The storage thread decodes the documents of a write group; a document that does not
 * decode fails alone, and every result keeps its place.
 */
import { describe, expect, it } from '@jest/globals';
import { encodeDocument, type EncodedDocument, type ItemResult } from '../../messages/index.js';
import { applyEncodedWrites, type WriteOperation } from '../../storage/index.js';

describe('applyEncodedWrites', () => {
  it('hands decoded documents on and fails an undecodable one by itself, in place', () => {
    const seen: WriteOperation[][] = [];
    const apply = (operations: readonly WriteOperation[]): ItemResult[] => {
      seen.push([...operations]);
      return operations.map((operation) => ({
        ok: true,
        position: operation.position,
        id: operation.id,
        result: operation.kind === 'delete' ? 'deleted' : 'created',
        version: 1,
      }));
    };
    const broken = new Uint8Array([0xde, 0x00, 0x05]) as EncodedDocument; // a map cut short
    const results = applyEncodedWrites(
      [
        { kind: 'upsert', position: 4, index: 'books', id: 'a', doc: encodeDocument({ title: 'A' }) },
        { kind: 'upsert', position: 5, index: 'books', id: 'b', doc: broken },
        { kind: 'delete', position: 6, index: 'books', id: 'c' },
        {
          kind: 'adopt',
          position: 7,
          index: 'books',
          id: 'd',
          doc: encodeDocument({ title: 'D' }),
          version: 2,
        },
      ],
      apply,
    );
    expect(results.map((result) => [result.position, result.ok])).toEqual([
      [4, true],
      [5, false],
      [6, true],
      [7, true],
    ]);
    expect(results[1]).toMatchObject({ ok: false, id: 'b', error: { code: 'DECODE_ERROR' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((operation) => operation.id)).toEqual(['a', 'c', 'd']);
    expect(seen[0]![0]).toMatchObject({ kind: 'upsert', doc: { title: 'A' } });
    expect(seen[0]![2]).toMatchObject({ kind: 'adopt', doc: { title: 'D' }, version: 2 });
  });

  it('does not call the store when no document decodes', () => {
    let calls = 0;
    const results = applyEncodedWrites(
      [
        {
          kind: 'upsert',
          position: 0,
          index: 'books',
          id: 'x',
          doc: new Uint8Array([0xc1]) as EncodedDocument,
        },
      ],
      () => {
        calls += 1;
        return [];
      },
    );
    expect(calls).toBe(0);
    expect(results).toMatchObject([{ ok: false, position: 0, error: { code: 'DECODE_ERROR' } }]);
  });
});
