/**
 * Highlighted snippets computed from the stored document (the FTS5 table is contentless,
 * so FTS5's snippet() has no text to work on). Words are split and folded like FTS5's
 * `unicode61 remove_diacritics 2` tokenizer: runs of letters, digits and marks, lower-cased,
 * with diacritics removed. Terms, prefixes and phrases from the positive part of the query
 * (not under NOT) are marked; phrases with slop mark their words one by one.
 * @module
 */
import { assertNever, type JsonObject, type JsonValue } from '../../messages/index.js';
import type { IndexLayout } from '../layout.js';
import type { QueryNode } from './ast.js';
import { resolveField } from './fields.js';
import { tokenize, words } from './tokens.js';

/** How snippets look. */
export interface HighlightOptions {
  /** Put before each match (default `<em>`); inserted as is, not escaped. */
  readonly preTag?: string;
  /** Put after each match (default `</em>`). */
  readonly postTag?: string;
  /** Most characters of stored text in one snippet (default 200); longer text is cut around the matches. */
  readonly maxLength?: number;
}

/** A run of query words to find: `prefix` means the last word only has to start the token. */
interface Pattern {
  readonly words: readonly string[];
  readonly prefix: boolean;
}

interface Span {
  start: number;
  end: number;
}

const DEFAULT_MAX_LENGTH = 200;

/**
 * Snippets of `fields` (text fields of `layout`) of `document`, with the words `ast` matched
 * wrapped in tags and the rest HTML-escaped. Fields without a match are left out.
 */
export function highlight(
  ast: QueryNode,
  document: JsonObject,
  fields: readonly string[],
  layout: IndexLayout,
  options: HighlightOptions = {},
): Record<string, string> {
  const patterns = new Map<string, Pattern[]>();
  collectPatterns(ast, layout, patterns);
  const maxLength = Math.max(1, Math.floor(options.maxLength ?? DEFAULT_MAX_LENGTH));
  const result: Record<string, string> = {};
  for (const field of fields) {
    const fieldPatterns = patterns.get(field);
    const text = fieldPatterns ? textOf(documentValue(document, field)) : null;
    if (!fieldPatterns || text === null) continue;
    const spans = findSpans(text, fieldPatterns);
    if (spans.length === 0) continue;
    result[field] = renderSnippet(
      text,
      spans,
      maxLength,
      options.preTag ?? '<em>',
      options.postTag ?? '</em>',
    );
  }
  return result;
}

function collectPatterns(node: QueryNode, layout: IndexLayout, into: Map<string, Pattern[]>): void {
  switch (node.kind) {
    case 'all':
    case 'range':
    case 'exists':
      return;
    case 'and':
    case 'or':
      for (const clause of node.clauses) collectPatterns(clause, layout, into);
      return;
    case 'not':
      return; // what a document must not contain is not what made it match
    case 'boost':
      collectPatterns(node.clause, layout, into);
      return;
    case 'term':
    case 'prefix':
    case 'phrase':
    case 'in': {
      let target;
      try {
        target = resolveField(layout, node.field, node.position);
      } catch {
        return; // planSearch reports bad fields; a snippet simply has nothing to mark.
      }
      if (target.kind !== 'text') return;
      const patterns = leafPatterns(node).filter((pattern) => pattern.words.length > 0);
      for (const field of target.fields)
        into.set(field.field, [...(into.get(field.field) ?? []), ...patterns]);
      return;
    }
    default:
      assertNever(node, 'query node');
  }
}

function leafPatterns(node: Extract<QueryNode, { kind: 'term' | 'prefix' | 'phrase' | 'in' }>): Pattern[] {
  switch (node.kind) {
    case 'term':
      return [{ words: words(node.text), prefix: false }];
    case 'prefix':
      return [{ words: words(node.prefix), prefix: true }];
    case 'phrase':
      if (node.slop === 0) return [{ words: words(node.text), prefix: false }];
      return node.text.split(/\s+/).map((word) => ({ words: words(word), prefix: false }));
    case 'in':
      return node.values.map((value) => ({ words: words(value), prefix: false }));
    default:
      return assertNever(node, 'query node');
  }
}

function findSpans(text: string, patterns: readonly Pattern[]): Span[] {
  const tokens = tokenize(text);
  const spans: Span[] = [];
  tokens.forEach((token, index) => {
    for (const pattern of patterns) {
      const length = pattern.words.length;
      if (index + length > tokens.length) continue;
      const matches = pattern.words.every((word, offset) => {
        const candidate = tokens[index + offset]?.folded ?? '';
        return pattern.prefix && offset === length - 1 ? candidate.startsWith(word) : candidate === word;
      });
      if (matches) spans.push({ start: token.start, end: tokens[index + length - 1]?.end ?? token.end });
    }
  });
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function renderSnippet(
  text: string,
  spans: readonly Span[],
  maxLength: number,
  preTag: string,
  postTag: string,
): string {
  const [start, end] = snippetWindow(text, spans, maxLength);
  let output = start > 0 ? '…' : '';
  let cursor = start;
  for (const span of spans) {
    if (span.start < start || span.end > end) continue;
    output +=
      escapeHtml(text.slice(cursor, span.start)) +
      preTag +
      escapeHtml(text.slice(span.start, span.end)) +
      postTag;
    cursor = span.end;
  }
  output += escapeHtml(text.slice(cursor, end));
  return end < text.length ? `${output}…` : output;
}

/** The [start, end) window of at most maxLength characters holding the most matches. */
function snippetWindow(text: string, spans: readonly Span[], maxLength: number): [number, number] {
  if (text.length <= maxLength) return [0, text.length];
  const context = Math.floor(maxLength / 5);
  let best: [number, number] = [0, maxLength];
  let bestCount = -1;
  // Spans are sorted and disjoint, so both window edges only move forward: O(spans).
  let first = 0;
  let last = 0;
  for (const anchor of spans) {
    const start = Math.max(0, Math.min(anchor.start - context, text.length - maxLength));
    while (first < spans.length && (spans[first]?.start ?? Infinity) < start) first += 1;
    while (last < spans.length && (spans[last]?.end ?? Infinity) <= start + maxLength) last += 1;
    const count = last - first;
    if (count > bestCount) {
      bestCount = count;
      best = [start, start + maxLength];
    }
  }
  let [start, end] = best;
  // Cut at spaces where possible, and never inside a surrogate pair.
  if (start > 0) {
    const space = text.slice(start, start + context).search(/\s/);
    if (space >= 0) start += space + 1;
  }
  if (end < text.length) {
    const space = text.slice(end - context, end).search(/\s\S*$/);
    if (space >= 0) end = end - context + space;
  }
  if (isLowSurrogate(text.charCodeAt(start))) start += 1;
  if (isLowSurrogate(text.charCodeAt(end))) end -= 1;
  return [start, end];
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function documentValue(document: JsonObject, field: string): JsonValue | undefined {
  if (Object.hasOwn(document, field)) return document[field];
  let current: JsonValue | undefined = document;
  for (const part of field.split('.')) {
    if (
      current === null ||
      typeof current !== 'object' ||
      Array.isArray(current) ||
      !Object.hasOwn(current, part)
    ) {
      return undefined;
    }
    current = current[part];
  }
  return current;
}

function textOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const strings = value.filter((item): item is string => typeof item === 'string');
    return strings.length > 0 ? strings.join(' ') : null;
  }
  return null;
}
