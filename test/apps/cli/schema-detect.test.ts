/** Schema inference: narrowest type per field, reserved names skipped, json stored only. */
import { describe, expect, it } from '@jest/globals';
import { SchemaDetector } from '../../../apps/cli/index.js';

function typesOf(records: Array<Record<string, never> | Record<string, unknown>>): Record<string, string> {
  const detector = new SchemaDetector();
  for (const record of records) detector.add(record as never);
  return Object.fromEntries(detector.schema().fields.map((field) => [field.name, field.type]));
}

describe('SchemaDetector', () => {
  it('picks the narrowest type every value fits', () => {
    expect(
      typesOf([
        { a: 1, b: 1, c: 'x', d: 'two words', e: true, f: '2024-01-02', g: { k: 1 }, h: null },
        { a: 2, b: 2.5, c: 'y', d: 'w', e: false, f: '2024-01-03T04:05:06Z', g: [1], h: 'tag' },
      ]),
    ).toEqual({
      a: 'i64',
      b: 'f64',
      c: 'string',
      d: 'text',
      e: 'boolean',
      f: 'date',
      g: 'json',
      h: 'string',
    });
  });

  it('falls back to text or string when kinds mix', () => {
    expect(typesOf([{ a: 1 }, { a: 'one' }])).toEqual({ a: 'string' });
    expect(typesOf([{ a: 1 }, { a: 'one two' }])).toEqual({ a: 'text' });
    expect(typesOf([{ a: 'x'.repeat(65) }])).toEqual({ a: 'text' });
  });

  it('skips reserved names and marks json fields stored only', () => {
    const detector = new SchemaDetector();
    // JSON.parse makes "__proto__" an own key, as a data file would.
    detector.add(JSON.parse('{"id":"1","__proto__":"x","meta":{"a":1},"title":"hello world"}') as never);
    const schema = detector.schema();
    expect(schema.fields).toEqual([
      { name: 'meta', type: 'json', indexed: false, stored: true, fast: false },
      { name: 'title', type: 'text', indexed: true, stored: true, fast: false },
    ]);
    expect(schema.default_search_fields).toEqual(['title']);
  });
});
