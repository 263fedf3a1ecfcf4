/**
 * The only places where text is put into SQL or into an FTS5 expression. User text goes
 * into FTS5 expressions only as FTS5 strings (`"..."`, inner quotes doubled), which FTS5
 * never reads as operators or column filters; the expression itself is then bound as one
 * SQL parameter. Identifiers come only from the layout and are quoted anyway.
 * @module
 */
import { ValidationError } from '../../messages/index.js';

/** A piece of SQL with its positional parameters, in order. */
export interface Sql {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** Builds a Sql from template parts: interpolated Sql values are spliced in with their params. */
export function sql(strings: TemplateStringsArray, ...parts: Sql[]): Sql {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  parts.forEach((part, index) => {
    text += part.text + (strings[index + 1] ?? '');
    params.push(...part.params);
  });
  return { text, params };
}

/** Raw SQL text with no parameters (only for text this module or the layout produced). */
export function raw(text: string): Sql {
  return { text, params: [] };
}

/** A single bound parameter. */
export function param(value: unknown): Sql {
  return { text: '?', params: [value] };
}

/** Joins Sql pieces with a separator. */
export function join(parts: readonly Sql[], separator: string): Sql {
  return {
    text: parts.map((part) => part.text).join(separator),
    params: parts.flatMap((part) => part.params),
  };
}

/** A double-quoted SQL identifier. */
export function identifier(name: string): Sql {
  return raw(`"${name.replaceAll('"', '""')}"`);
}

/** An FTS5 string: user text that FTS5 tokenizes but never parses as syntax. */
export function ftsString(text: string): string {
  // NUL would end the string inside SQLite's C code; it is not a token character anyway.
  return `"${text.replaceAll('\u0000', ' ').replaceAll('"', '""')}"`;
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An FTS5 column filter for the given layout columns: `c0 : ` or `{c0 c1} : `. */
export function ftsColumnFilter(columns: readonly string[]): string {
  for (const column of columns) {
    // Column names come from the layout, but an FTS5 column filter cannot be quoted safely.
    if (!COLUMN_NAME.test(column))
      throw new ValidationError(`invalid FTS column name ${JSON.stringify(column)}`);
  }
  return columns.length === 1 ? `${columns[0] ?? ''} : ` : `{${columns.join(' ')}} : `;
}
