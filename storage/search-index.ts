/**
 * SQLite side of a shard: per index an FTS5 table (contentless, rowid = document number),
 * a docs table (id + sort columns) and a values table (filter values), laid out as
 * layout.ts describes; plus the watermark (last applied log sequence) and the layout record
 * of every index, so readers plan queries against exactly the tables their snapshot holds.
 * @module
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError, errorMessage, type IndexSchema } from '../messages/index.js';
import type { ExtractedDocument } from './document-validation.js';
import type { IndexLayout } from './layout.js';
import { loadRankingExtension } from './native-extension.js';

/** At most this many phrase counts are remembered per connection (then all are forgotten). */
const MAX_REMEMBERED_COUNTS = 20_000;

/** What SQLite knows about one index: its tables as built. */
export interface LayoutRecord {
  readonly name: string;
  readonly uid: number;
  readonly tableGeneration: number;
  readonly ftsGeneration: number;
  readonly layout: IndexLayout;
  readonly schema: IndexSchema;
}

/** Options of the SQLite connection. */
export interface SearchIndexOptions {
  readonly readOnly: boolean;
}

interface LayoutRow {
  name: string;
  uid: number;
  table_generation: number;
  fts_generation: number;
  layout: string;
  schema: string;
}

const MAX_CACHED_STATEMENTS = 512;

/** One shard's SQLite database. */
export class SearchIndex {
  /** The connection (exposed for the query path and tests). */
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly parsedRecords = new Map<string, { row: string; record: LayoutRecord; version: string }>();
  /** Totals changes of the open write transaction, per FTS table. */
  private readonly pendingTotals = new Map<string, PendingTotals>();
  /** Document counts of FTS5 expressions by table and expression, valid for `countsVersion`. */
  private readonly phraseCounts = new Map<string, number>();
  private countsVersion = '';
  /** True while a read transaction of this class is open: its snapshot cannot change. */
  private inReadSnapshot = false;
  /** The changes version of the open read transaction's snapshot, once read. */
  private snapshotVersion: string | undefined;
  readonly path: string;

  constructor(path: string, options: SearchIndexOptions) {
    this.path = path;
    this.db = new Database(path, options.readOnly ? { readonly: true, fileMustExist: true } : {});
    this.db.pragma('busy_timeout = 5000');
    loadRankingExtension(this.db);
    if (!options.readOnly) {
      this.db.pragma('journal_mode = WAL');
      // LMDB's durable log covers a lost tail of SQLite transactions (docs/STORAGE.md).
      this.db.pragma('synchronous = NORMAL');
      // Checkpoints are run by the store (compact, trim) so it knows what is durable.
      this.db.pragma('wal_autocheckpoint = 10000');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value ANY) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS index_layouts (
          name TEXT PRIMARY KEY, uid INTEGER NOT NULL, table_generation INTEGER NOT NULL,
          fts_generation INTEGER NOT NULL, layout TEXT NOT NULL, schema TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS fts_totals (
          fts_table TEXT PRIMARY KEY, documents INTEGER NOT NULL, tokens INTEGER NOT NULL) WITHOUT ROWID;
      `);
      this.countMissingTotals();
    }
  }

  /** Totals for FTS tables made before fts_totals existed: counted once from their row sizes. */
  private countMissingTotals(): void {
    this.db.transaction(() => {
      for (const { layout } of this.layoutRecords()) {
        const known = this.statement(`SELECT 1 FROM fts_totals WHERE fts_table = ?`).get(layout.ftsTable);
        if (known !== undefined || !this.tableExists(layout.ftsTable)) continue;
        const totals = this.countTotals(layout.ftsTable);
        this.statement(`INSERT INTO fts_totals (fts_table, documents, tokens) VALUES (?, ?, ?)`).run(
          layout.ftsTable,
          totals.documents,
          totals.tokens,
        );
      }
    })();
  }

  /** Documents and tokens of an FTS table counted row by row (its `_docsize` table). */
  private countTotals(ftsTable: string): { documents: number; tokens: number } {
    let documents = 0;
    let tokens = 0;
    for (const row of this.db.prepare(`SELECT sz FROM ${ftsTable}_docsize`).iterate() as Iterable<{
      sz: Uint8Array;
    }>) {
      documents += 1;
      tokens += sum(readVarints(row.sz));
    }
    return { documents, tokens };
  }

  /** Tokens of one FTS row (all columns), or undefined when the document has no FTS row. */
  private rowTokens(ftsTable: string, docNumber: number): number | undefined {
    const row = this.statement(`SELECT sz FROM ${ftsTable}_docsize WHERE id = ?`).get(docNumber) as
      { sz: Uint8Array } | undefined;
    return row === undefined ? undefined : sum(readVarints(row.sz));
  }

  /** The pending totals change of an FTS table in the open write transaction. */
  private pendingOf(ftsTable: string): PendingTotals {
    let pending = this.pendingTotals.get(ftsTable);
    if (pending === undefined) {
      pending = { documents: 0, tokens: 0, inserted: new Set() };
      this.pendingTotals.set(ftsTable, pending);
    }
    return pending;
  }

  /** Counts an inserted FTS row; its tokens are read with the others when the totals are written. */
  private countInserted(ftsTable: string, docNumber: number): void {
    const pending = this.pendingOf(ftsTable);
    pending.documents += 1;
    pending.inserted.add(docNumber);
  }

  /** Counts an FTS row about to be deleted, with its tokens read now (before the row is gone). */
  private countRemoved(ftsTable: string, docNumber: number, tokens: number): void {
    const pending = this.pendingOf(ftsTable);
    pending.documents -= 1;
    // Inserted in this transaction: its tokens were never added, so there is nothing to subtract.
    if (!pending.inserted.delete(docNumber)) pending.tokens -= tokens;
  }

  /**
   * Tokens of the FTS rows inserted in this transaction. Their document numbers are nearly
   * always consecutive, so one range read of `_docsize` replaces a lookup per document.
   */
  private insertedTokens(ftsTable: string, inserted: ReadonlySet<number>): number {
    if (inserted.size === 0) return 0;
    let low = Infinity;
    let high = -Infinity;
    for (const docNumber of inserted) {
      if (docNumber < low) low = docNumber;
      if (docNumber > high) high = docNumber;
    }
    let tokens = 0;
    if (high - low + 1 > 4 * inserted.size) {
      for (const docNumber of inserted) tokens += this.rowTokens(ftsTable, docNumber) ?? 0;
      return tokens;
    }
    const rows = this.statement(`SELECT id, sz FROM ${ftsTable}_docsize WHERE id BETWEEN ? AND ?`).iterate(
      low,
      high,
    ) as Iterable<{ id: number; sz: Uint8Array }>;
    for (const row of rows) if (inserted.has(row.id)) tokens += sum(readVarints(row.sz));
    return tokens;
  }

  /** Writes the totals counted in this transaction (one UPDATE per FTS table, not per document). */
  private flushTotals(): void {
    for (const [ftsTable, pending] of this.pendingTotals) {
      const tokens = pending.tokens + this.insertedTokens(ftsTable, pending.inserted);
      this.statement(
        `UPDATE fts_totals SET documents = documents + ?, tokens = tokens + ? WHERE fts_table = ?`,
      ).run(pending.documents, tokens, ftsTable);
    }
    this.pendingTotals.clear();
  }

  /** A cached prepared statement. */
  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The last log sequence applied (0 before any). */
  watermark(): number {
    const row = this.statement(`SELECT value FROM store_meta WHERE key = 'watermark'`).get() as
      { value: number } | undefined;
    return row?.value ?? 0;
  }

  /** Sets the watermark (inside the apply transaction). */
  setWatermark(sequence: number): void {
    this.statement(`INSERT OR REPLACE INTO store_meta (key, value) VALUES ('watermark', ?)`).run(sequence);
  }

  /** Runs `action` in one IMMEDIATE transaction (the SQLite writer lock). */
  writeTransaction<T>(action: () => T): T {
    try {
      return this.db
        .transaction(() => {
          const result = action();
          this.flushTotals();
          return result;
        })
        .immediate();
    } catch (error) {
      // Rolled back, but total_changes() still counts its rows: what was remembered inside
      // it (layout records, phrase counts) may describe data that never committed.
      this.forgetRemembered();
      throw error;
    } finally {
      // Rolled back (or already written): no pending totals may carry over to the next transaction.
      this.pendingTotals.clear();
    }
  }

  /**
   * Runs `action` in one read transaction: every statement sees the same snapshot. Inside a
   * transaction already open (a search holding one snapshot over its statistics, ranking and
   * page) it runs in that one: no savepoint, the caller's snapshot serves.
   */
  readTransaction<T>(action: () => T): T {
    if (this.db.inTransaction) return action();
    // Prepared BEGIN and COMMIT: better-sqlite3's transaction() wraps a new function on
    // every call (4.3 us against 0.45 us, measured), and a search opens one per shard.
    this.statement('BEGIN DEFERRED').run();
    this.inReadSnapshot = true;
    let result: T;
    try {
      result = action();
    } catch (error) {
      if (this.db.inTransaction) this.statement('ROLLBACK').run();
      throw error;
    } finally {
      this.inReadSnapshot = false;
      this.snapshotVersion = undefined;
    }
    this.statement('COMMIT').run();
    return result;
  }

  /** Drops every remembered layout record and phrase count. */
  private forgetRemembered(): void {
    this.parsedRecords.clear();
    this.phraseCounts.clear();
    this.countsVersion = '';
  }

  /**
   * A value that changes whenever anything is committed to the database: by another
   * connection (PRAGMA data_version) or by this one (total_changes()). Inside a read
   * transaction it is that of the transaction's snapshot.
   */
  private changesVersion(): string {
    // A read snapshot sees no commits: its version is read once (about 4 us a statement).
    if (this.inReadSnapshot) return (this.snapshotVersion ??= this.readChangesVersion());
    return this.readChangesVersion();
  }

  private readChangesVersion(): string {
    const [dataVersion, ownChanges] = this.statement(
      'SELECT data_version, total_changes() FROM pragma_data_version',
    )
      .raw()
      .get() as [number, number];
    return `${dataVersion}:${ownChanges}`;
  }

  /**
   * The number of documents of `ftsTable` matching `expression` (an FTS5 MATCH text), as
   * BM25's document frequency; call inside a read transaction. Counting means walking the
   * expression's whole posting list (a quarter of a search's time), but the answer only
   * changes with the data: counts are remembered until anything is committed (PRAGMA
   * data_version changes when another connection commits, total_changes() when this one
   * does), so a repeated word costs a lookup.
   */
  phraseDocuments(ftsTable: string, expression: string): number {
    const version = this.changesVersion();
    if (version !== this.countsVersion || this.phraseCounts.size >= MAX_REMEMBERED_COUNTS) {
      this.phraseCounts.clear();
      this.countsVersion = version;
    }
    const key = `${ftsTable}\u0000${expression}`;
    let count = this.phraseCounts.get(key);
    if (count === undefined) {
      count = this.statement(`SELECT count(*) FROM "${ftsTable}" WHERE "${ftsTable}" MATCH ?`)
        .pluck()
        .get(expression) as number;
      this.phraseCounts.set(key, count);
    }
    return count;
  }

  /**
   * Documents and tokens (all text columns) of an FTS5 table, kept in `fts_totals` by every
   * insert and delete. Not FTS5's own totals: with `contentless_delete` FTS5 never
   * subtracts a deleted row from them, so after updates they count every version ever
   * written (seen on SQLite 3.53). A shard a writer has not yet upgraded is counted row by row.
   */
  corpusTotals(ftsTable: string): { documents: number; tokens: number } {
    const row = this.statement(`SELECT documents, tokens FROM fts_totals WHERE fts_table = ?`).get(
      ftsTable,
    ) as { documents: number; tokens: number } | undefined;
    const totals = row ?? this.countTotals(ftsTable);
    const pending = this.pendingTotals.get(ftsTable);
    return pending === undefined
      ? totals
      : {
          documents: totals.documents + pending.documents,
          tokens: totals.tokens + pending.tokens + this.insertedTokens(ftsTable, pending.inserted),
        };
  }

  /**
   * The layout record of one index, or undefined. Records are parsed once and reused while
   * the stored row stays the same: every search reads it on every shard, and parsing the
   * layout and schema JSON each time cost more than planning the query.
   */
  layoutRecord(name: string): LayoutRecord | undefined {
    // Nothing committed since the record was read: it is still the one stored (reading the
    // row again cost 25 us, a dozen times per search, for its long layout and schema texts).
    const version = this.changesVersion();
    const cached = this.parsedRecords.get(name);
    if (cached !== undefined && cached.version === version) return cached.record;
    const row = this.statement(`SELECT * FROM index_layouts WHERE name = ?`).get(name) as
      LayoutRow | undefined;
    if (row === undefined) {
      this.parsedRecords.delete(name);
      return undefined;
    }
    const record = cached !== undefined && cached.row === rowKey(row) ? cached.record : toRecord(row);
    this.parsedRecords.set(name, { row: rowKey(row), record, version });
    return record;
  }

  /** Every layout record. */
  layoutRecords(): LayoutRecord[] {
    return (this.statement(`SELECT * FROM index_layouts ORDER BY name`).all() as LayoutRow[]).map(toRecord);
  }

  /** Stores a layout record (inside a transaction). */
  putLayoutRecord(record: LayoutRecord): void {
    this.statement(
      `INSERT OR REPLACE INTO index_layouts (name, uid, table_generation, fts_generation, layout, schema)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      record.name,
      record.uid,
      record.tableGeneration,
      record.ftsGeneration,
      JSON.stringify(record.layout),
      JSON.stringify(record.schema),
    );
  }

  /** Removes a layout record (inside a transaction). */
  removeLayoutRecord(name: string): void {
    this.statement(`DELETE FROM index_layouts WHERE name = ?`).run(name);
  }

  /** Names of existing tables (for reconciliation and tests). */
  tableExists(table: string): boolean {
    return (
      this.statement(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(table) !== undefined
    );
  }

  /** Creates the FTS5 table of a layout (dropping a stale one of the same name). */
  createFtsTable(layout: IndexLayout): void {
    this.dropTable(layout.ftsTable);
    const columns = layout.textFields.map((field) => field.column);
    // FTS5 needs at least one column; an index without text fields gets a placeholder.
    const definition = columns.length > 0 ? columns.join(', ') : 'unused';
    this.db.exec(
      `CREATE VIRTUAL TABLE ${layout.ftsTable} USING fts5(${definition}, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
    );
    this.statement(`INSERT OR REPLACE INTO fts_totals (fts_table, documents, tokens) VALUES (?, 0, 0)`).run(
      layout.ftsTable,
    );
    this.pendingTotals.delete(layout.ftsTable);
  }

  /** Creates the docs and values tables of a layout (dropping stale ones of the same names). */
  createValueTables(layout: IndexLayout): void {
    this.dropTable(layout.docsTable);
    this.dropTable(layout.valuesTable);
    const sortColumns = layout.valueFields.flatMap((field) =>
      field.sortColumn === undefined ? [] : [`, ${field.sortColumn} ANY`],
    );
    // STRICT: an ANY column keeps each value's type (in an ordinary table ANY has NUMERIC
    // affinity and the string "007" would become the integer 7), as the planner expects.
    this.db.exec(
      `CREATE TABLE ${layout.docsTable} (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE${sortColumns.join('')}) STRICT`,
    );
    this.db.exec(
      `CREATE TABLE ${layout.valuesTable} (field INTEGER NOT NULL, value ANY, doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) STRICT, WITHOUT ROWID`,
    );
    this.db.exec(`CREATE INDEX ${layout.valuesTable}_doc ON ${layout.valuesTable} (doc)`);
    for (const field of layout.valueFields)
      if (field.sortColumn !== undefined) this.createSortIndex(layout, field.sortColumn);
  }

  /** Adds a sort column to an existing docs table. */
  addSortColumn(layout: IndexLayout, column: string): void {
    this.db.exec(`ALTER TABLE ${layout.docsTable} ADD COLUMN ${column} ANY`);
    this.createSortIndex(layout, column);
  }

  private createSortIndex(layout: IndexLayout, column: string): void {
    this.db.exec(
      `CREATE INDEX IF NOT EXISTS ${layout.docsTable}_${column} ON ${layout.docsTable} (${column})`,
    );
  }

  /** Sort columns present in a docs table. */
  docsColumns(table: string): Set<string> {
    const rows = this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
    return new Set(rows.map((row) => row.name));
  }

  /** Drops a table if it exists (names come from layouts, never from users). */
  dropTable(table: string): void {
    if (!/^i\d+_[fdv]\d+$/.test(table)) throw new StorageError(`refusing to drop unexpected table ${table}`);
    this.db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.statement(`DELETE FROM fts_totals WHERE fts_table = ?`).run(table);
    this.pendingTotals.delete(table);
  }

  /** Removes every row of one document (idempotent). */
  removeDocument(layout: IndexLayout, docNumber: number): void {
    const tokens = this.rowTokens(layout.ftsTable, docNumber);
    if (tokens !== undefined) {
      this.statement(`DELETE FROM ${layout.ftsTable} WHERE rowid = ?`).run(docNumber);
      this.countRemoved(layout.ftsTable, docNumber, tokens);
    }
    this.statement(`DELETE FROM ${layout.docsTable} WHERE rowid = ?`).run(docNumber);
    this.statement(`DELETE FROM ${layout.valuesTable} WHERE doc = ?`).run(docNumber);
  }

  /** Removes the rows of whatever document currently holds `id` (idempotent replay of an upsert). */
  removeDocumentById(layout: IndexLayout, id: string): void {
    const row = this.statement(`SELECT rowid FROM ${layout.docsTable} WHERE id = ?`).get(id) as
      { rowid: number } | undefined;
    if (row !== undefined) this.removeDocument(layout, row.rowid);
  }

  /**
   * Inserts the rows of a document whose id had no live document (an upsert's `fresh` hint):
   * no lookup of old rows first. Should the id or number have rows after all (a writer of
   * the same shard refilled the tables from LMDB, which was ahead of this entry), the docs
   * row's constraint refuses the insert before anything else is written, and the old rows
   * are replaced as for any upsert.
   */
  insertNewDocument(layout: IndexLayout, docNumber: number, id: string, extracted: ExtractedDocument): void {
    try {
      this.insertDocument(layout, docNumber, id, extracted);
    } catch (error) {
      if (!isDocsRowConflict(error)) throw error;
      this.removeDocumentById(layout, id);
      this.removeDocument(layout, docNumber);
      this.insertDocument(layout, docNumber, id, extracted);
    }
  }

  /** Inserts the rows of one document (its old rows must be gone). */
  insertDocument(layout: IndexLayout, docNumber: number, id: string, extracted: ExtractedDocument): void {
    // The docs row first: its constraints (rowid, unique id) are what insertNewDocument relies on.
    const sortColumns = extracted.sortValues.map(([column]) => `, ${column}`).join('');
    this.statement(
      `INSERT INTO ${layout.docsTable} (rowid, id${sortColumns}) VALUES (?, ?${', ?'.repeat(extracted.sortValues.length)})`,
    ).run(docNumber, id, ...extracted.sortValues.map(([, value]) => value));
    if (layout.textFields.length > 0 && extracted.texts.some((text) => text !== null)) {
      const columns = layout.textFields.map((field) => field.column);
      this.statement(
        `INSERT INTO ${layout.ftsTable} (rowid, ${columns.join(', ')}) VALUES (?${', ?'.repeat(columns.length)})`,
      ).run(docNumber, ...extracted.texts);
      this.countInserted(layout.ftsTable, docNumber);
    }
    if (extracted.values.length > 0) {
      const insertValue = this.statement(
        `INSERT OR IGNORE INTO ${layout.valuesTable} (field, value, doc) VALUES (?, ?, ?)`,
      );
      for (const [field, value] of extracted.values) insertValue.run(field, value, docNumber);
    }
  }

  /** Inserts only the FTS row of one document (rebuild of an FTS table). */
  insertFtsOnly(layout: IndexLayout, docNumber: number, extracted: ExtractedDocument): void {
    const columns = layout.textFields.map((field) => field.column);
    this.statement(
      `INSERT INTO ${layout.ftsTable} (rowid, ${columns.join(', ')}) VALUES (?${', ?'.repeat(columns.length)})`,
    ).run(docNumber, ...extracted.texts);
    this.countInserted(layout.ftsTable, docNumber);
  }

  /** Every (document number, id) of an index's docs table. */
  docsRows(layout: IndexLayout): { rowid: number; id: string }[] {
    return this.db.prepare(`SELECT rowid, id FROM ${layout.docsTable}`).all() as {
      rowid: number;
      id: string;
    }[];
  }

  /** Live documents in an index's docs table. */
  countDocuments(layout: IndexLayout): number {
    return (this.statement(`SELECT count(*) AS n FROM ${layout.docsTable}`).get() as { n: number }).n;
  }

  /** Bytes of the tables (and their indexes and FTS shadow tables) of an index. */
  tableBytes(layout: IndexLayout): number {
    const row = this.statement(
      `SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name LIKE ? OR name LIKE ? OR name LIKE ?`,
    ).get(`${layout.ftsTable}%`, `${layout.docsTable}%`, `${layout.valuesTable}%`) as { bytes: number };
    return row.bytes;
  }

  /** FTS5 merge of all segments into one (cheaper queries, reclaims deleted entries). */
  optimize(layout: IndexLayout): void {
    this.db.prepare(`INSERT INTO ${layout.ftsTable} (${layout.ftsTable}) VALUES ('optimize')`).run();
  }

  /**
   * Checkpoints the whole WAL into the database file and fsyncs it. Returns the watermark that
   * is now durable in the main file, or undefined when readers kept the checkpoint from completing.
   */
  checkpoint(): number | undefined {
    const watermark = this.watermark();
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    if (result === undefined || result.busy !== 0 || result.log !== result.checkpointed) return undefined;
    // SQLite syncs the file after a checkpoint with synchronous=NORMAL; an explicit fsync makes
    // "durable" independent of that setting before the log below this watermark is deleted.
    const descriptor = openSync(this.path, 'r+');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    return watermark;
  }

  /** `PRAGMA integrity_check` plus FTS5 integrity-check of every FTS table; returns problems. */
  integrityProblems(): string[] {
    const problems: string[] = [];
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    for (const row of rows) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
    for (const record of this.layoutRecords()) {
      try {
        this.db
          .prepare(
            `INSERT INTO ${record.layout.ftsTable} (${record.layout.ftsTable}, rank) VALUES ('integrity-check', 0)`,
          )
          .run();
      } catch (error) {
        problems.push(`${record.name}: ${errorMessage(error)}`);
      }
    }
    return problems;
  }

  /** Closes the connection. */
  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

/** An FTS table's totals change in the open write transaction. */
interface PendingTotals {
  documents: number;
  /** Tokens of removed rows (negative); inserted rows are counted when written. */
  tokens: number;
  /** Rows inserted in this transaction and still there. */
  readonly inserted: Set<number>;
}

/** True for SQLite's refusal of a docs row whose rowid or id is taken. */
function isDocsRowConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Everything a record is parsed from, as one string to compare. */
function rowKey(row: LayoutRow): string {
  return `${row.uid}\u0000${row.table_generation}\u0000${row.fts_generation}\u0000${row.layout}\u0000${row.schema}`;
}

function toRecord(row: LayoutRow): LayoutRecord {
  return {
    name: row.name,
    uid: row.uid,
    tableGeneration: row.table_generation,
    ftsGeneration: row.fts_generation,
    layout: JSON.parse(row.layout) as IndexLayout,
    schema: JSON.parse(row.schema) as IndexSchema,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * Decodes consecutive SQLite varints (big-endian, 7 bits a byte with the high bit meaning
 * "more", the ninth byte contributing all 8 bits). Counts here stay far below 2^53.
 */
function readVarints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  let position = 0;
  while (position < bytes.length) {
    let value = 0;
    for (let length = 0; ; length++) {
      const byte = bytes[position++];
      if (byte === undefined) throw new StorageError('truncated varint in an FTS5 totals record');
      if (length === 8) {
        value = value * 256 + byte;
        break;
      }
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) break;
    }
    values.push(value);
  }
  return values;
}
