import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { IndexSchema, JsonObject } from '../../messages/index.js';
import { evolveSchema, evolveSchemaForAll } from '../../storage/index.js';

describe('evolveSchema (node-wide schema decisions before routing)', () => {
  it('creates a schema from the first document, skipping the id and untyped values', () => {
    const schema = evolveSchema(undefined, 'books', {
      id: 'x',
      title: 'Dune',
      year: 1965,
      tags: [],
      note: null,
    });
    expect(schema?.fields.map((field) => [field.name, field.type])).toEqual([
      ['title', 'text'],
      ['year', 'i64'],
    ]);
    expect(schema).toMatchObject({ name: 'books', dynamic: true, version: 1 });
  });

  it('adds only new fields and says undefined when nothing changes', () => {
    const base = evolveSchema(undefined, 'books', { title: 'Dune' })!;
    expect(evolveSchema(base, 'books', { title: 'Emma' })).toBeUndefined();
    const next = evolveSchema(base, 'books', { title: 'Emma', rating: 4.5 })!;
    expect(next.fields.map((field) => field.name)).toEqual(['title', 'rating']);
    expect(next.version).toBe(base.version + 1);
  });

  it('widens an integer field to f64 when a fractional number arrives, also inside arrays', () => {
    const base = evolveSchema(undefined, 'shop', { price: 0, sizes: [1, 2] })!;
    expect(evolveSchema(base, 'shop', { price: 3 })).toBeUndefined();
    const widened = evolveSchema(base, 'shop', { price: 9.99, sizes: [1, 2.5] })!;
    expect(widened.fields.map((field) => [field.name, field.type])).toEqual([
      ['price', 'f64'],
      ['sizes', 'f64'],
    ]);
  });

  it('leaves a non-dynamic schema alone', () => {
    const fixed = { ...evolveSchema(undefined, 'strict', { a: 'x' })!, dynamic: false };
    expect(evolveSchema(fixed, 'strict', { a: 'y', b: 2, c: 1.5 })).toBeUndefined();
  });
});

describe('evolveSchemaForAll (one bulk request)', () => {
  const sequential = (
    current: IndexSchema | undefined,
    docs: readonly JsonObject[],
  ): IndexSchema | undefined => {
    let next = current;
    for (const doc of docs) next = evolveSchema(next, 'items', doc) ?? next;
    return next === current ? undefined : next;
  };
  const value = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 3 }),
    fc.array(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 2 }),
  );
  const doc = fc.dictionary(
    fc.constantFrom('id', 'a', 'b', 'c', 'price', 'year'),
    value,
  ) as fc.Arbitrary<JsonObject>;

  it('gives what evolveSchema gives document by document, from no schema or from an existing one', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { maxLength: 6 }),
        fc.array(doc, { maxLength: 20 }),
        fc.boolean(),
        (seed, docs, dynamic) => {
          const start = sequential(undefined, seed);
          const current = start === undefined ? undefined : { ...start, dynamic };
          expect(evolveSchemaForAll(current, 'items', docs)).toEqual(sequential(current, docs));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('returns undefined when every document only uses known fields', () => {
    const base = evolveSchema(undefined, 'items', { title: 'Dune', year: 1965 })!;
    expect(evolveSchemaForAll(base, 'items', [{ title: 'Emma' }, { year: 1815, id: 'x' }])).toBeUndefined();
    expect(evolveSchemaForAll(base, 'items', [{ title: 'Emma' }, { year: 1815.5 }])?.fields[1]?.type).toBe(
      'f64',
    );
  });
});
