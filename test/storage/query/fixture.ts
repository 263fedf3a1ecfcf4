/**
 * Test fixture for the query planner: a layout builder and an in-memory better-sqlite3
 * database with tables built as storage/layout.ts describes, filled with a few documents.
 */
import Database from 'better-sqlite3';
import type { JsonObject, JsonValue } from '../../../messages/index.js';
import type { IndexLayout, TextFieldLayout, ValueFieldLayout } from '../../../storage/layout.js';
import { normaliseValue } from '../../../storage/values.js';
import { loadRankingExtension } from '../../../storage/native-extension.js';
import {
  bindRanking,
  planSearch,
  type QueryNode,
  type SearchPlanOptions,
  parseQuery,
} from '../../../storage/query/index.js';

/** A field of `layoutForTests`. */
export type TestField =
  | { name: string; type: 'text'; weight?: number }
  | { name: string; type: ValueFieldLayout['type']; indexed?: boolean; fast?: boolean };

/** Builds a layout like the store would: c0.. for text fields, s0.. for fast fields. */
export function layoutForTests(fields: readonly TestField[], defaultFields?: readonly string[]): IndexLayout {
  const textFields: TextFieldLayout[] = [];
  const valueFields: ValueFieldLayout[] = [];
  let fieldNumber = 0;
  let sortNumber = 0;
  for (const field of fields) {
    if (field.type === 'text') {
      textFields.push({ field: field.name, column: `c${textFields.length}`, weight: field.weight ?? 1 });
      continue;
    }
    const indexed = field.indexed ?? true;
    const fast = field.fast ?? true;
    valueFields.push({
      field: field.name,
      type: field.type,
      ...(indexed ? { fieldNumber: fieldNumber++ } : {}),
      ...(fast ? { sortColumn: `s${sortNumber++}` } : {}),
    });
  }
  return {
    ftsTable: 'test_fts',
    docsTable: 'test_docs',
    valuesTable: 'test_values',
    textFields,
    valueFields,
    defaultFields: defaultFields ?? textFields.map((field) => field.field),
  };
}

/** The standard test layout. */
export const testLayout = layoutForTests(
  [
    { name: 'title', type: 'text', weight: 2 },
    { name: 'body', type: 'text' },
    { name: 'notes', type: 'text' },
    { name: 'year', type: 'i64' },
    { name: 'tag', type: 'string' },
    { name: 'price', type: 'f64' },
    { name: 'published', type: 'date' },
    { name: 'draft', type: 'boolean', fast: false },
    { name: 'author.name', type: 'string' },
    { name: 'code name', type: 'string' },
    { name: 'rank', type: 'u64', indexed: false },
  ],
  ['title', 'body'],
);

/** Gets a possibly dotted field from a document. */
export function fieldValue(document: JsonObject, field: string): JsonValue | undefined {
  if (field in document) return document[field];
  let current: JsonValue | undefined = document;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** An in-memory shard database holding `documents` (ids in order; rowid = position + 1). */
export class TestShard {
  readonly db: Database.Database;

  constructor(
    readonly layout: IndexLayout,
    documents: readonly JsonObject[],
  ) {
    this.db = new Database(':memory:');
    loadRankingExtension(this.db);
    const columns = layout.textFields.map((field) => field.column);
    this.db.exec(
      `CREATE VIRTUAL TABLE "${layout.ftsTable}" USING fts5(${columns.join(', ')}, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
    );
    const sortColumns = layout.valueFields.flatMap((field) =>
      field.sortColumn ? [`, ${field.sortColumn} ANY`] : [],
    );
    // STRICT keeps ANY values as given; a non-strict ANY column has NUMERIC affinity and would turn "007" into 7.
    this.db.exec(
      `CREATE TABLE "${layout.docsTable}" (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE${sortColumns.join('')}) STRICT`,
    );
    this.db.exec(
      `CREATE TABLE "${layout.valuesTable}" (field INTEGER NOT NULL, value ANY, doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) STRICT, WITHOUT ROWID`,
    );
    this.db.exec(`CREATE INDEX "${layout.valuesTable}_doc" ON "${layout.valuesTable}" (doc)`);
    for (const field of layout.valueFields) {
      if (field.sortColumn)
        this.db.exec(
          `CREATE INDEX "${layout.docsTable}_${field.sortColumn}" ON "${layout.docsTable}" (${field.sortColumn})`,
        );
    }
    documents.forEach((document, index) => this.insert(index + 1, document));
  }

  private insert(doc: number, document: JsonObject): void {
    const { layout } = this;
    const id = document['id'];
    if (typeof id !== 'string') throw new Error('test documents need a string id');
    const texts = layout.textFields.map((field) => {
      const value = fieldValue(document, field.field);
      return Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : null;
    });
    const placeholders = layout.textFields.map(() => ', ?').join('');
    const columnList = layout.textFields.map((field) => `, ${field.column}`).join('');
    this.db
      .prepare(`INSERT INTO "${layout.ftsTable}" (rowid${columnList}) VALUES (?${placeholders})`)
      .run(doc, ...texts);
    const sortColumns: string[] = [];
    const sortValues: unknown[] = [];
    for (const field of layout.valueFields) {
      const raw = fieldValue(document, field.field);
      const values = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).map(
        (value) => normaliseValue(field.field, field.type, value),
      );
      if (field.fieldNumber !== undefined) {
        for (const value of values) {
          this.db
            .prepare(`INSERT OR IGNORE INTO "${layout.valuesTable}" (field, value, doc) VALUES (?, ?, ?)`)
            .run(field.fieldNumber, value, doc);
        }
      }
      if (field.sortColumn !== undefined) {
        sortColumns.push(field.sortColumn);
        sortValues.push(values[0] ?? null);
      }
    }
    const extra = sortColumns.map((column) => `, ${column}`).join('');
    const extraPlaceholders = sortColumns.map(() => ', ?').join('');
    this.db
      .prepare(`INSERT INTO "${layout.docsTable}" (rowid, id${extra}) VALUES (?, ?${extraPlaceholders})`)
      .run(doc, id, ...sortValues);
  }

  /** Runs a query string; returns the hit rows and the total. */
  search(query: string | QueryNode, options: Partial<SearchPlanOptions> = {}): SearchResult {
    const ast = typeof query === 'string' ? parseQuery(query) : query;
    const plan = planSearch(ast, this.layout, { limit: 100, offset: 0, ...options });
    const rows = this.db.prepare(plan.sql).all(...bindRanking(plan.params, undefined)) as SearchRow[];
    const count = this.db.prepare(plan.countSql).get(...bindRanking(plan.countParams, undefined)) as {
      total: number;
    };
    return { rows, ids: rows.map((row) => row.id), total: count.total };
  }

  close(): void {
    this.db.close();
  }
}

/** One result row of a plan. */
export interface SearchRow {
  doc: number;
  id: string;
  score: number;
  sortValue?: unknown;
}

/** Rows, their ids in order, and the total. */
export interface SearchResult {
  rows: SearchRow[];
  ids: string[];
  total: number;
}

/** The documents of the standard fixture; filler documents keep BM25's IDF positive. */
export const testDocuments: JsonObject[] = [
  {
    id: 'fox',
    title: 'The quick brown fox',
    body: 'A fox jumps over the lazy dog',
    year: 2001,
    tag: ['animal', 'fast'],
    price: 9.5,
    published: '2020-01-01T00:00:00Z',
    draft: false,
    author: { name: 'Ann' },
    'code name': 'reynard',
    rank: 3,
  },
  {
    id: 'dogs',
    title: 'Lazy dogs sleep',
    body: 'The dog sleeps all day; no fox here',
    year: 1999,
    tag: ['animal'],
    price: 3,
    published: '2019-06-01T00:00:00Z',
    draft: true,
    author: { name: 'Bob' },
    rank: 1,
  },
  {
    id: 'recipes',
    title: 'Quick recipes',
    body: 'Quick and easy dinner recipes for busy people',
    year: 2010,
    tag: ['food'],
    price: 12,
    published: '2021-03-15T12:00:00Z',
    draft: false,
    author: { name: 'Ann' },
    rank: 7,
  },
  {
    id: 'bread',
    title: 'Brown bread',
    body: 'How to bake brown bread: the quick method',
    year: 2015,
    tag: ['food', 'bread'],
    price: 4.25,
    published: '2022-11-30T00:00:00Z',
    draft: false,
    author: { name: 'Cy' },
    'code name': '007',
  },
  {
    id: 'cafe',
    title: 'Café culture',
    body: 'Crème brûlée and naïve façades',
    year: 2005,
    tag: ['culture'],
    draft: true,
  },
  {
    id: 'news',
    title: 'Fox news',
    body: 'brown ideas about a quick fox',
    notes: 'reviewed by "the editor"',
    year: 2020,
    tag: ['news'],
    price: 1,
    published: '2020-06-01T00:00:00Z',
    draft: false,
    rank: 5,
  },
  ...Array.from({ length: 10 }, (_, index) => ({
    id: `filler-${index}`,
    title: `Filler ${index}`,
    body: 'lorem ipsum dolor sit amet',
    year: 1990 + index,
    tag: ['filler'],
  })),
];
