import { describe, expect, it } from '@jest/globals';
import { evolveSchema } from '../../storage/index.js';

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
