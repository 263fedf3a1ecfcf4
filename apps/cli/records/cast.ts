/**
 * Typing of CSV/TSV cells, which are all text: plain decimal numbers become numbers,
 * `true`/`false` booleans, empty cells are left out. Numbers with leading zeros (postal
 * codes, phone numbers) and integers beyond 2^53 stay strings, since a number would
 * change them.
 * @module
 */
import type { JsonValue } from '../../sdk/index.js';

const NUMBER_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** The typed value of one cell; undefined for an empty cell. */
export function castCell(cell: string): JsonValue | undefined {
  if (cell === '') return undefined;
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  if (NUMBER_PATTERN.test(cell)) {
    const number = Number(cell);
    if (!Number.isFinite(number)) return cell;
    if (Number.isInteger(number) && !/[.eE]/.test(cell) && !Number.isSafeInteger(number)) return cell;
    return number;
  }
  return cell;
}
