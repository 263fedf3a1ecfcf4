/**
 * Rendering of results: readable tables (cli-table3, without colour codes so output can
 * be piped) by default, JSON with `--json`.
 * @module
 */
import Table from 'cli-table3';
import type { Writable } from 'node:stream';
import { writeLine } from './io.js';

/** Longest cell shown in a table; longer values are cut with an ellipsis. */
const MAX_CELL = 60;

/** A value as one table cell. */
export function cell(value: unknown): string {
  let text: string;
  if (value === undefined || value === null) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  text = text.replace(/\s+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** A table with a header row. */
export function renderTable(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(cell));
  return table.toString();
}

/** A two-column table of an object's keys and values. */
export function renderKeyValue(object: Readonly<Record<string, unknown>>): string {
  const table = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of Object.entries(object)) table.push({ [key]: cell(value) });
  return table.toString();
}

/** Pretty JSON. */
export function printJson(stream: Writable, value: unknown): void {
  writeLine(stream, JSON.stringify(value, null, 2));
}

/** Bytes as a short human size. */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
