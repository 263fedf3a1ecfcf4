import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { documentWriteSchema, safeParseDocumentWrite } from '../../../apps/server/request-schemas.js';

/** What a caller observes of a parse: the data, or zod's issues. */
function observed(result: ReturnType<typeof safeParseDocumentWrite>): unknown {
  return result.success ? { data: result.data } : { issues: result.error.issues };
}

const json = fc.jsonValue({ maxDepth: 2 });
/** Items shaped like bulk items, valid and invalid: wrong types, empty/long ids, extra keys. */
const item = fc.oneof(
  json,
  fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 170, maxLength: 600 }), json),
      routing_key: fc.oneof(fc.string({ maxLength: 4 }), json),
      doc: fc.oneof(fc.dictionary(fc.string(), json), json),
      extra: json,
    },
    { requiredKeys: [] },
  ),
);

describe('safeParseDocumentWrite', () => {
  it('answers exactly what documentWriteSchema.safeParse answers, on generated items', () => {
    fc.assert(
      fc.property(item, (value) => {
        expect(observed(safeParseDocumentWrite(value))).toEqual(
          observed(documentWriteSchema.safeParse(value)),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts a valid item without copying its document, and refuses the edge cases', () => {
    const doc = { title: 'Dune' };
    const parsed = safeParseDocumentWrite({ id: 'dune', routing_key: 'books', doc });
    expect(parsed.success && parsed.data.doc).toBe(doc);
    expect(parsed.success && parsed.data).toEqual({ id: 'dune', routing_key: 'books', doc });
    expect(safeParseDocumentWrite({ id: 'é'.repeat(256), doc }).success).toBe(true); // 512 bytes
    expect(safeParseDocumentWrite({ id: 'é'.repeat(257), doc }).success).toBe(false); // 514 bytes
    expect(safeParseDocumentWrite({ id: '', doc }).success).toBe(false);
    expect(safeParseDocumentWrite({ id: 'a', routing_key: '', doc }).success).toBe(false);
    expect(safeParseDocumentWrite({ id: 'a', doc: [1] }).success).toBe(false);
    expect(safeParseDocumentWrite({ id: 'a', doc, version: 2 }).success).toBe(false);
  });
});
