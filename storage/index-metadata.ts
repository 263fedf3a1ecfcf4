/**
 * Per-index metadata kept in LMDB: the schema plus the stable allocation of SQLite columns
 * and field numbers, from which the `IndexLayout` shared with the query planner is derived.
 * Columns are allocated once and never reused within an index, so a layout change never
 * reinterprets old data.
 * @module
 */
import type { FieldDefinition, IndexSchema } from '../messages/index.js';
import type { IndexLayout, TextFieldLayout, ValueFieldLayout } from './layout.js';

/** Columns and numbers allocated to one field. */
export interface FieldAllocation {
  /** FTS5 column (`c<n>`) of a text field. */
  column?: string;
  /** Number in the values table of a non-text field. */
  fieldNumber?: number;
  /** Sort column (`s<n>`) of a fast non-text field. */
  sortColumn?: string;
  /**
   * Set when the sort column was allocated before any document had a value for the field,
   * cleared (for good) by the first document with several values: while set, the values
   * table holds no value of the field and filters read the sort column alone.
   */
  singleValued?: boolean;
}

/** Everything the store keeps about one index besides its documents. */
export interface IndexMetadata {
  schema: IndexSchema;
  /** Unique per index incarnation in this shard (a dropped and recreated index gets a new one). */
  uid: number;
  /** Bumped when the docs/values tables must be rebuilt (a put/patch that changes the layout). */
  tableGeneration: number;
  /** Bumped when the FTS5 table must be rebuilt (a new text column: FTS5 cannot add columns). */
  ftsGeneration: number;
  allocations: Record<string, FieldAllocation>;
  nextColumn: number;
  nextFieldNumber: number;
  nextSortColumn: number;
  /** Live documents. */
  documents: number;
  /** Bytes of the stored document records in LMDB. */
  storedBytes: number;
}

/** Creates the metadata of a new index. */
export function newIndexMetadata(schema: IndexSchema, uid: number): IndexMetadata {
  const metadata: IndexMetadata = {
    schema,
    uid,
    tableGeneration: 0,
    ftsGeneration: 0,
    allocations: {},
    nextColumn: 0,
    nextFieldNumber: 0,
    nextSortColumn: 0,
    documents: 0,
    storedBytes: 0,
  };
  allocateFields(metadata, { fieldsAreNew: true });
  return metadata;
}

/** Deep copy, so a group can change metadata and drop the changes when it fails. */
export function cloneMetadata(metadata: IndexMetadata): IndexMetadata {
  return structuredClone(metadata);
}

/**
 * Allocates columns/numbers for every field of the schema that needs one and has none yet.
 * `fieldsAreNew`: no stored document has a value for a field getting a sort column now (a new
 * index, an empty one, or fields first seen in a write), so the field starts single-valued.
 * Returns what changed: a new FTS column needs an FTS rebuild, a new sort column an ALTER.
 */
export function allocateFields(
  metadata: IndexMetadata,
  options: { readonly fieldsAreNew: boolean } = { fieldsAreNew: false },
): { newTextColumn: boolean; newSortColumn: boolean } {
  let newTextColumn = false;
  let newSortColumn = false;
  for (const field of metadata.schema.fields) {
    const allocation = (metadata.allocations[field.name] ??= {});
    if (field.type === 'text') {
      if (field.indexed && allocation.column === undefined) {
        allocation.column = `c${metadata.nextColumn++}`;
        newTextColumn = true;
      }
    } else if (field.type !== 'json') {
      if (field.indexed && allocation.fieldNumber === undefined)
        allocation.fieldNumber = metadata.nextFieldNumber++;
      if (field.fast && allocation.sortColumn === undefined) {
        allocation.sortColumn = `s${metadata.nextSortColumn++}`;
        if (options.fieldsAreNew) allocation.singleValued = true;
        newSortColumn = true;
      }
    }
  }
  return { newTextColumn, newSortColumn };
}

/** SQLite table names of an index; built from numbers only, never from user input. */
export function tableNames(metadata: Pick<IndexMetadata, 'uid' | 'tableGeneration' | 'ftsGeneration'>): {
  ftsTable: string;
  docsTable: string;
  valuesTable: string;
} {
  return {
    ftsTable: `i${metadata.uid}_f${metadata.ftsGeneration}`,
    docsTable: `i${metadata.uid}_d${metadata.tableGeneration}`,
    valuesTable: `i${metadata.uid}_v${metadata.tableGeneration}`,
  };
}

/** The layout of an index as the query planner sees it. */
export function layoutOf(metadata: IndexMetadata): IndexLayout {
  const textFields: TextFieldLayout[] = [];
  const valueFields: ValueFieldLayout[] = [];
  for (const field of metadata.schema.fields) {
    const allocation = metadata.allocations[field.name] ?? {};
    if (field.type === 'text') {
      if (field.indexed && allocation.column !== undefined) {
        textFields.push({ field: field.name, column: allocation.column, weight: field.weight ?? 1 });
      }
    } else if (field.type !== 'json' && (field.indexed || field.fast)) {
      valueFields.push({
        field: field.name,
        type: field.type,
        ...(field.indexed && allocation.fieldNumber !== undefined
          ? { fieldNumber: allocation.fieldNumber }
          : {}),
        ...(field.fast && allocation.sortColumn !== undefined ? { sortColumn: allocation.sortColumn } : {}),
        ...(field.fast && allocation.sortColumn !== undefined && allocation.singleValued === true
          ? { singleValued: true }
          : {}),
      });
    }
  }
  const textNames = new Set(textFields.map((field) => field.field));
  const chosen = metadata.schema.defaultSearchFields.filter((name) => textNames.has(name));
  return {
    ...tableNames(metadata),
    textFields,
    valueFields,
    defaultFields: chosen.length > 0 ? chosen : [...textNames],
  };
}

/**
 * Clears `singleValued` of the fields for which `doc` has several values (inside a write
 * group, after validation). Returns true when a flag was cleared.
 */
export function noteMultipleValues(metadata: IndexMetadata, doc: Record<string, unknown>): boolean {
  let cleared = false;
  for (const [name, allocation] of Object.entries(metadata.allocations)) {
    if (allocation.singleValued !== true) continue;
    const value = doc[name];
    if (Array.isArray(value) && value.filter((element) => element !== null).length > 1) {
      delete allocation.singleValued;
      cleared = true;
    }
  }
  return cleared;
}

/** The field definition an inferred field gets. */
export function inferredField(name: string, type: FieldDefinition['type']): FieldDefinition {
  switch (type) {
    case 'text':
      return { name, type, indexed: true, stored: true, fast: false };
    case 'json':
      return { name, type, indexed: false, stored: true, fast: false };
    default:
      return { name, type, indexed: true, stored: true, fast: true };
  }
}
