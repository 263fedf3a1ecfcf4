/**
 * Resolving the field names of a query against an index layout, and turning query literals
 * into stored values. Both planner and highlighter use this so they agree on what a field
 * name means: `id` is always the document id; otherwise a text field, then a value field.
 * @module
 */
import { FieldTypeError, ValidationError } from '../../messages/index.js';
import type { IndexLayout, TextFieldLayout, ValueFieldLayout } from '../layout.js';
import { normaliseValue, type SqlValue } from '../values.js';
import { ID_FIELD } from './ast.js';

/** What a field name in a query refers to. */
export type ResolvedField =
  | { readonly kind: 'id' }
  | { readonly kind: 'text'; readonly fields: readonly TextFieldLayout[] }
  | { readonly kind: 'value'; readonly layout: ValueFieldLayout };

/**
 * Resolves `field` (null: the default search fields), or throws ValidationError naming the
 * field and the query position.
 */
export function resolveField(layout: IndexLayout, field: string | null, position: number): ResolvedField {
  if (field === null) return { kind: 'text', fields: defaultTextFields(layout, position) };
  if (field === ID_FIELD) return { kind: 'id' };
  const text = layout.textFields.find((candidate) => candidate.field === field);
  if (text) return { kind: 'text', fields: [text] };
  const value = layout.valueFields.find((candidate) => candidate.field === field);
  if (value) return { kind: 'value', layout: value };
  throw new ValidationError(`unknown field "${field}" in the query (position ${position})`, {
    details: { field, position },
  });
}

/** The text fields searched by bare words. */
export function defaultTextFields(layout: IndexLayout, position: number): TextFieldLayout[] {
  if (layout.defaultFields.length === 0) {
    throw new ValidationError(
      `this index has no default search fields: write field:value (position ${position})`,
      {
        details: { position },
      },
    );
  }
  return layout.defaultFields.map((name) => {
    const text = layout.textFields.find((candidate) => candidate.field === name);
    if (!text) {
      throw new ValidationError(`default search field "${name}" is not a text field of this index`, {
        details: { field: name },
      });
    }
    return text;
  });
}

/**
 * A query literal as the store keeps it (normaliseValue), or ValidationError naming the
 * field. A date literal may also be written as epoch seconds or milliseconds.
 */
export function literalValue(field: ValueFieldLayout, literal: string, position: number): SqlValue {
  const input: unknown = field.type === 'date' && /^-?\d+(\.\d+)?$/.test(literal) ? Number(literal) : literal;
  try {
    return normaliseValue(field.field, field.type, input);
  } catch (error) {
    if (!(error instanceof FieldTypeError)) throw error;
    throw new ValidationError(
      `"${literal.slice(0, 100)}" is not a valid ${field.type} for field "${field.field}" (position ${position})`,
      {
        details: { field: field.field, expected: field.type, value: literal.slice(0, 200), position },
        cause: error,
      },
    );
  }
}
