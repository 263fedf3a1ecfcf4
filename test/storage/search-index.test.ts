/**
 * What SearchIndex remembers between calls (parsed layout records, phrase counts) is
 * forgotten when the database changes: after a commit through this connection or another,
 * and after a write transaction that rolled back.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { SearchIndex, type LayoutRecord } from '../../storage/search-index.js';
import { temporaryDirectory } from './shard-helpers.js';

function record(name: string, weight: number): LayoutRecord {
  return {
    name,
    uid: 1,
    tableGeneration: 0,
    ftsGeneration: 0,
    layout: {
      ftsTable: 'i1_f0',
      docsTable: 'i1_d0',
      valuesTable: 'i1_v0',
      textFields: [{ field: 'title', column: 'c0', weight }],
      valueFields: [],
      defaultFields: ['title'],
    },
    schema: { name, fields: [], defaultSearchFields: ['title'], dynamic: true, version: weight },
  } as unknown as LayoutRecord;
}

describe('SearchIndex remembered values', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.cleanup());

  it('reads a layout record again after commits here or elsewhere, and after a rollback', () => {
    const path = join(directory.path, 'index.sqlite');
    const writer = new SearchIndex(path, { readOnly: false });
    const reader = new SearchIndex(path, { readOnly: true });
    try {
      writer.writeTransaction(() => writer.putLayoutRecord(record('notes', 1)));
      const weightOf = (index: SearchIndex) => index.layoutRecord('notes')?.layout.textFields[0]?.weight;
      expect(weightOf(writer)).toBe(1);
      expect(weightOf(reader)).toBe(1);

      writer.writeTransaction(() => writer.putLayoutRecord(record('notes', 2)));
      expect(weightOf(writer)).toBe(2); // this connection's commit
      expect(weightOf(reader)).toBe(2); // another connection's commit

      // Read inside a transaction that then fails: the record it saw never committed.
      expect(() =>
        writer.writeTransaction(() => {
          writer.putLayoutRecord(record('notes', 3));
          expect(weightOf(writer)).toBe(3);
          throw new Error('abandoned');
        }),
      ).toThrow('abandoned');
      expect(weightOf(writer)).toBe(2);
      expect(weightOf(reader)).toBe(2);

      writer.writeTransaction(() => writer.removeLayoutRecord('notes'));
      expect(writer.layoutRecord('notes')).toBeUndefined();
      expect(reader.layoutRecord('notes')).toBeUndefined();
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('keeps one snapshot through a read transaction and the calls nested in it, and sees later commits after it', () => {
    const path = join(directory.path, 'snapshot.sqlite');
    const writer = new SearchIndex(path, { readOnly: false });
    const reader = new SearchIndex(path, { readOnly: true });
    try {
      writer.writeTransaction(() => writer.putLayoutRecord(record('notes', 1)));
      const weightOf = (index: SearchIndex) => index.layoutRecord('notes')?.layout.textFields[0]?.weight;
      const seen = reader.readTransaction(() => {
        const before = weightOf(reader);
        writer.writeTransaction(() => writer.putLayoutRecord(record('notes', 2)));
        // A nested read transaction joins the open one instead of starting a new snapshot.
        const nested = reader.readTransaction(() => weightOf(reader));
        return [before, nested, weightOf(reader)];
      });
      expect(seen).toEqual([1, 1, 1]);
      expect(reader.db.inTransaction).toBe(false);
      expect(weightOf(reader)).toBe(2);

      // A failing action ends the transaction too, and the next one sees the newest commit.
      expect(() =>
        reader.readTransaction(() => {
          weightOf(reader);
          throw new Error('abandoned');
        }),
      ).toThrow('abandoned');
      expect(reader.db.inTransaction).toBe(false);
      writer.writeTransaction(() => writer.putLayoutRecord(record('notes', 3)));
      expect(reader.readTransaction(() => weightOf(reader))).toBe(3);
    } finally {
      reader.close();
      writer.close();
    }
  });
});
