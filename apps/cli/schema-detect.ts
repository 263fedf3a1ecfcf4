/**
 * `schema detect`: infers an index schema from the first records of a data file. Each
 * field gets the narrowest type every sampled value fits: boolean, i64, f64, date (RFC 3339
 * or YYYY-MM-DD strings), json (objects and arrays), string (short single-token values
 * such as codes, tags, ids: exact match, sortable) or text (anything with words: full-text).
 * @module
 */
import type { FieldConfig, FieldType, IndexConfig, JsonValue, JsonObject } from '../sdk/index.js';

/** How values are classified before the per-field decision. */
type ValueKind = 'boolean' | 'integer' | 'float' | 'date' | 'json' | 'token' | 'words';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/**
 * Field names a schema may not define: `id` is the document id (a document's `id` field,
 * when present, must equal it) and `__proto__` is refused by the server.
 */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['id', '__proto__']);

/** Strings longer than this, or with whitespace, are text. */
const MAX_TOKEN_LENGTH = 64;

function kindOf(value: JsonValue): ValueKind | undefined {
  if (value === null) return undefined;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (typeof value === 'object') return 'json';
  if (value === '') return undefined;
  if (DATE_PATTERN.test(value) && !Number.isNaN(Date.parse(value))) return 'date';
  if (value.length > MAX_TOKEN_LENGTH || /\s/.test(value)) return 'words';
  return 'token';
}

/** Per-field tallies collected from the sample. */
class FieldStats {
  readonly kinds = new Map<ValueKind, number>();
  add(value: JsonValue): void {
    const kind = kindOf(value);
    if (kind !== undefined) this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }
  type(): FieldType {
    const kinds = new Set(this.kinds.keys());
    const only = (...allowed: ValueKind[]): boolean => [...kinds].every((kind) => allowed.includes(kind));
    if (kinds.size === 0) return 'string';
    if (only('boolean')) return 'boolean';
    if (only('integer')) return 'i64';
    if (only('integer', 'float')) return 'f64';
    if (only('date')) return 'date';
    if (only('json')) return 'json';
    if (kinds.has('json')) return 'json';
    if (kinds.has('words')) return 'text';
    return 'string';
  }
}

/** Collects statistics over records and builds the schema. */
export class SchemaDetector {
  readonly #fields = new Map<string, FieldStats>();
  #records = 0;

  /** Adds one record to the sample. */
  add(record: JsonObject): void {
    this.#records += 1;
    for (const [name, value] of Object.entries(record)) {
      if (RESERVED_FIELD_NAMES.has(name)) continue;
      let stats = this.#fields.get(name);
      if (stats === undefined) {
        stats = new FieldStats();
        this.#fields.set(name, stats);
      }
      stats.add(value);
    }
  }

  /** How many records were sampled. */
  get records(): number {
    return this.#records;
  }

  /**
   * The inferred schema: text fields are searched by default; other scalar fields are fast
   * (filterable, sortable); json fields are stored only (the server indexes no json).
   */
  schema(): IndexConfig {
    const fields: FieldConfig[] = [...this.#fields.entries()].map(([name, stats]) => {
      const type = stats.type();
      if (type === 'json') return { name, type, indexed: false, stored: true, fast: false };
      return { name, type, indexed: true, stored: true, fast: type !== 'text' };
    });
    return {
      fields,
      default_search_fields: fields.filter((field) => field.type === 'text').map((field) => field.name),
      dynamic: true,
    };
  }
}
