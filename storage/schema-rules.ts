/**
 * Rules for schemas given by users: what a valid schema is, and which changes a populated
 * index accepts (adding fields, changing weights, default fields, flags) and which it refuses
 * (changing a field's type, removing an indexed or fast field) with SchemaConflictError.
 * @module
 */
import {
  SchemaConflictError,
  ValidationError,
  indexName,
  indexSchemaSchema,
  type FieldDefinition,
  type IndexSchema,
} from '../messages/index.js';
import { RESERVED_ID_FIELD } from './document-validation.js';
import { layoutOf, type IndexMetadata } from './index-metadata.js';

/** A partial schema change: fields are added or replaced by name, other keys overwrite. */
export interface SchemaPatch {
  readonly fields?: readonly FieldDefinition[];
  readonly defaultSearchFields?: readonly string[];
  readonly routingField?: string;
  readonly dynamic?: boolean;
}

/** Checks a schema given by a user; returns it parsed (throws ValidationError). */
export function checkSchema(input: unknown): IndexSchema {
  const parsed = indexSchemaSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid schema: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const schema = parsed.data;
  indexName(schema.name);
  const names = new Set<string>();
  for (const field of schema.fields) {
    if (field.name === RESERVED_ID_FIELD || field.name === '__proto__') {
      throw new ValidationError(`schema field "${field.name}" is reserved`, {
        details: { field: field.name },
      });
    }
    if (names.has(field.name))
      throw new ValidationError(`schema field "${field.name}" is defined twice`, {
        details: { field: field.name },
      });
    names.add(field.name);
    if (field.type === 'json' && (field.indexed || field.fast)) {
      throw new ValidationError(`json field "${field.name}" can only be stored, not indexed or fast`, {
        details: { field: field.name },
      });
    }
  }
  for (const name of schema.defaultSearchFields) {
    const field = schema.fields.find((candidate) => candidate.name === name);
    if (field === undefined || field.type !== 'text' || !field.indexed) {
      throw new ValidationError(`default search field "${name}" is not an indexed text field`, {
        details: { field: name },
      });
    }
  }
  if (schema.routingField !== undefined && !names.has(schema.routingField)) {
    throw new ValidationError(`routing field "${schema.routingField}" is not a field of the schema`, {
      details: { field: schema.routingField },
    });
  }
  return schema;
}

/** Applies a patch to a schema (the result still needs `checkSchema`). */
export function patchedSchema(current: IndexSchema, patch: SchemaPatch): IndexSchema {
  const fields = current.fields.map(
    (field) => patch.fields?.find((changed) => changed.name === field.name) ?? field,
  );
  for (const field of patch.fields ?? [])
    if (!fields.some((existing) => existing.name === field.name)) fields.push(field);
  return {
    ...current,
    fields,
    ...(patch.defaultSearchFields === undefined
      ? {}
      : { defaultSearchFields: [...patch.defaultSearchFields] }),
    ...(patch.routingField === undefined ? {} : { routingField: patch.routingField }),
    ...(patch.dynamic === undefined ? {} : { dynamic: patch.dynamic }),
  };
}

/**
 * True when every stored value of type `from` is also a valid `to`, so a populated index may
 * change the field's type (its tables are rebuilt): integers widen to floats.
 */
export function isWidening(from: FieldDefinition['type'], to: FieldDefinition['type']): boolean {
  return (from === 'i64' || from === 'u64') && to === 'f64';
}

/** Throws SchemaConflictError when `next` cannot replace `current` on a populated index. */
export function checkCompatible(current: IndexSchema, next: IndexSchema): void {
  for (const field of current.fields) {
    const replacement = next.fields.find((candidate) => candidate.name === field.name);
    if (replacement === undefined) {
      if (field.indexed || field.fast) {
        throw new SchemaConflictError(
          `cannot remove indexed field "${field.name}" from populated index "${current.name}"`,
          {
            details: { index: current.name, field: field.name },
          },
        );
      }
    } else if (replacement.type !== field.type && !isWidening(field.type, replacement.type)) {
      throw new SchemaConflictError(
        `cannot change field "${field.name}" of populated index "${current.name}" from ${field.type} to ${replacement.type}`,
        { details: { index: current.name, field: field.name, from: field.type, to: replacement.type } },
      );
    }
  }
  if (current.routingField !== next.routingField) {
    throw new SchemaConflictError(
      `cannot change the routing field of populated index "${current.name}": documents would move`,
      {
        details: { index: current.name },
      },
    );
  }
}

/** True when two metadata need different tables (not just different weights or default fields). */
export function layoutStructureDiffers(before: IndexMetadata, after: IndexMetadata): boolean {
  const shape = (metadata: IndexMetadata): string => {
    const layout = layoutOf(metadata);
    // singleValued is knowledge about the rows, not their shape: it changes no table.
    const valueFields = layout.valueFields.map(({ singleValued: _known, ...shape }) => shape);
    return JSON.stringify([layout.textFields.map((field) => field.column), valueFields]);
  };
  return shape(before) !== shape(after);
}
