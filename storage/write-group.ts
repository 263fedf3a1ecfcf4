/**
 * One operation group inside one LMDB write transaction: validates each operation, evolves
 * schemas, writes documents and collects the log changes. An operation that fails validation
 * becomes an error result and leaves no trace; the others are applied. Every document version
 * and tombstone gets a stamp from the shard's hybrid logical clock (hybrid-clock.ts); a
 * handed-off copy (`adopt`) is applied only when its stamp is newer than what is here.
 * @module
 */
import {
  CameoError,
  IndexNotFoundError,
  ValidationError,
  documentId,
  indexName,
  assertNever,
  toCameoError,
  type FieldDefinition,
  type ItemResult,
  type JsonObject,
} from '../messages/index.js';
import type { DocumentStore, LogChange } from './document-store.js';
import type { HybridClock } from './hybrid-clock.js';
import {
  RESERVED_ID_FIELD,
  checkDocumentShape,
  checkFieldValue,
  inferFieldType,
} from './document-validation.js';
import {
  allocateFields,
  cloneMetadata,
  inferredField,
  newIndexMetadata,
  noteMultipleValues,
  type IndexMetadata,
} from './index-metadata.js';
import { encodeRecord } from './record-codec.js';

/** One operation of a group; `position` is the caller's and comes back in the result. */
export type WriteOperation =
  | {
      readonly kind: 'upsert';
      readonly position: number;
      readonly index: string;
      readonly id: string;
      readonly doc: JsonObject;
      /** The request's routing key, stored with the document when it is not the id. */
      readonly routingKey?: string;
    }
  /**
   * A document handed off by the node that owned it before a node joined (rebalancing). It
   * is applied only when the index exists and its stamp is newer than both the live document
   * here (which it then replaces) and the tombstone of a delete here; otherwise the result is
   * `skipped`. It keeps its stamp, and its version unless the document it replaces had a
   * higher one (a version never goes backwards on a node).
   */
  | {
      readonly kind: 'adopt';
      readonly position: number;
      readonly index: string;
      readonly id: string;
      readonly doc: JsonObject;
      readonly version: number;
      /**
       * The stamp of the write that made this copy, on the node that handed it off. Absent
       * (a node from before stamps) counts as 0: older than any stamped write, so such a
       * copy only fills a gap.
       */
      readonly stamp?: number;
      readonly routingKey?: string;
    }
  | {
      readonly kind: 'delete';
      readonly position: number;
      readonly index: string;
      readonly id: string;
      /** Delete only while the stored version is this one (else `skipped`). */
      readonly ifVersion?: number;
      /**
       * The document was handed off to its new owner: remove the local copy without a
       * tombstone. Every other delete leaves a tombstone with the delete's stamp.
       */
      readonly handedOff?: boolean;
    };

/** Settings that change how writes behave. */
export interface WritePolicy {
  /** Create an unknown index from the first document written to it (default true). */
  readonly autoCreateIndexes: boolean;
  /** The shard's hybrid logical clock: stamps every document version and tombstone. */
  readonly clock: HybridClock;
}

/** Collects one group's effects inside an open LMDB write transaction. */
export class WriteGroup {
  readonly changes: LogChange[] = [];
  /** Aligned with `changes`: the document of each upsert. */
  readonly documents: (JsonObject | undefined)[] = [];
  private readonly indexes = new Map<string, IndexMetadata | undefined>();
  private readonly changed = new Set<string>();
  private readonly schemaChanged = new Set<string>();
  private nextDocNumber: number | undefined;
  private docNumbersTaken = 0;
  /** The clock's last stamp when the group began: `finish` persists it if it moved. */
  private readonly stampBefore: number;

  constructor(
    private readonly store: DocumentStore,
    private readonly policy: WritePolicy,
  ) {
    this.stampBefore = policy.clock.latest();
  }

  /** Applies one operation; never throws for a problem with the operation itself. */
  add(operation: WriteOperation): ItemResult {
    try {
      switch (operation.kind) {
        case 'upsert':
          return this.upsert(operation);
        case 'adopt':
          return this.adopt(operation);
        case 'delete':
          return this.delete(operation);
        default:
          return assertNever(operation);
      }
    } catch (error) {
      const failure = toCameoError(error);
      if (!(error instanceof CameoError)) throw error; // a bug or an LMDB failure: abort the group
      return { ok: false, position: operation.position, id: String(operation.id), error: failure.toWire() };
    }
  }

  /** Writes the metadata and counters the group changed; call once, after the last `add`. */
  finish(): void {
    for (const name of this.changed) {
      const metadata = this.indexes.get(name);
      if (metadata !== undefined) this.store.putIndex(metadata);
    }
    if (this.nextDocNumber !== undefined) this.store.takeDocNumbers(this.docNumbersTaken);
    // One small put per group, no read: the clock restarts above every stamp this group wrote.
    const stamp = this.policy.clock.latest();
    if (stamp !== this.stampBefore) this.store.setLastStamp(stamp);
    // Schema changes go first so the applier reconciles tables before any document lands.
    const schemaChanges: LogChange[] = [...this.schemaChanged].flatMap((name) => {
      const metadata = this.indexes.get(name);
      return metadata === undefined ? [] : [{ kind: 'schema', index: name, uid: metadata.uid } as const];
    });
    this.changes.unshift(...schemaChanges);
    this.documents.unshift(...schemaChanges.map(() => undefined));
  }

  private metadataOf(index: string): IndexMetadata | undefined {
    if (!this.indexes.has(index)) {
      const stored = this.store.getIndex(index);
      this.indexes.set(index, stored === undefined ? undefined : cloneMetadata(stored));
    }
    return this.indexes.get(index);
  }

  private takeDocNumber(): number {
    if (this.nextDocNumber === undefined) {
      // Peek the counter; `finish` advances it by the numbers actually used.
      this.nextDocNumber = this.store.takeDocNumbers(0);
    }
    const number = this.nextDocNumber + this.docNumbersTaken;
    this.docNumbersTaken += 1;
    return number;
  }

  /** Writes a document; `copy` gives a handed-off copy's version and stamp (else new ones). */
  private upsert(
    operation: Extract<WriteOperation, { kind: 'upsert' | 'adopt' }>,
    copy?: { readonly version: number; readonly stamp: number },
  ): ItemResult {
    const name = indexName(operation.index);
    const id = documentId(operation.id);
    checkDocumentShape(id, operation.doc);
    const doc = operation.doc;
    const existingMetadata = this.metadataOf(name);
    if (existingMetadata === undefined && !this.policy.autoCreateIndexes) throw new IndexNotFoundError(name);

    // Check every value and work out new fields before changing anything.
    const known = new Map<string, FieldDefinition>(
      (existingMetadata?.schema.fields ?? []).map((field) => [field.name, field]),
    );
    const additions: FieldDefinition[] = [];
    for (const [key, value] of Object.entries(doc)) {
      if (key === RESERVED_ID_FIELD) continue;
      let field = known.get(key);
      if (field === undefined) {
        if (existingMetadata !== undefined && !existingMetadata.schema.dynamic) {
          throw new ValidationError(
            `document "${id}": field "${key}" is not in the schema of index "${name}", which is not dynamic`,
            {
              details: { id, field: key, index: name },
            },
          );
        }
        const type = inferFieldType(value);
        if (type === undefined) continue; // null or []: nothing to type the field by yet
        field = inferredField(key, type);
        additions.push(field);
        known.set(key, field);
      }
      checkFieldValue(id, field, value);
    }

    let metadata = existingMetadata;
    if (metadata === undefined) {
      metadata = newIndexMetadata(
        { name, fields: additions, defaultSearchFields: [], dynamic: true, version: 1 },
        this.store.takeIndexUid(),
      );
      this.indexes.set(name, metadata);
      this.schemaChanged.add(name);
    } else if (additions.length > 0) {
      metadata.schema.fields.push(...additions);
      metadata.schema.version += 1;
      // Inferred now: no stored document has a value for these fields yet.
      const { newTextColumn } = allocateFields(metadata, { fieldsAreNew: true });
      if (newTextColumn) metadata.ftsGeneration += 1;
      this.schemaChanged.add(name);
    }
    this.changed.add(name);
    // Several values of a single-valued fast field: from now on its filters read the values table too.
    noteMultipleValues(metadata, doc);

    const existing = this.store.getDocument(metadata.uid, id);
    const nextVersion = copy?.version ?? (existing === undefined ? 1 : existing.stored.version + 1);
    // A new version is stamped above the one it replaces. The clock already is (it persists its
    // last stamp with every stamp it writes); this only guards the rule in the record itself.
    const stamp = copy?.stamp ?? Math.max(this.policy.clock.next(), (existing?.stored.stamp ?? 0) + 1);
    // Every version gets a new document number, never the old one's: the number is the FTS5
    // rowid, and ranking caches each rowid's length (cameo_bm25's length cache) on the
    // promise that a rowid's text never changes.
    const docNumber = this.takeDocNumber();
    const routingKey =
      operation.routingKey !== undefined && operation.routingKey !== '' && operation.routingKey !== id
        ? operation.routingKey
        : undefined;
    const record = encodeRecord({
      docNumber,
      version: nextVersion,
      doc,
      ...(routingKey === undefined ? {} : { routingKey }),
      stamp,
    });
    this.store.putDocument(metadata.uid, id, record);
    if (existing === undefined) metadata.documents += 1;
    metadata.storedBytes += record.length - (existing?.bytes ?? 0);
    this.changes.push({
      kind: 'upsert',
      index: name,
      uid: metadata.uid,
      id,
      docNumber,
      record,
      ...(existing === undefined ? { fresh: true } : {}),
    });
    this.documents.push(doc);
    return {
      ok: true,
      position: operation.position,
      id,
      result: existing === undefined ? 'created' : 'updated',
      version: nextVersion,
    };
  }

  private adopt(operation: Extract<WriteOperation, { kind: 'adopt' }>): ItemResult {
    const name = indexName(operation.index);
    const id = documentId(operation.id);
    // Never create an index from a handed-off document: it may have been dropped here.
    const metadata = this.metadataOf(name);
    if (metadata === undefined) throw new IndexNotFoundError(name);
    // Received: whatever is written here from now on is newer than this copy.
    const stamp = this.policy.clock.receive(operation.stamp ?? 0);
    const live = this.store.getDocument(metadata.uid, id);
    const tombstone = this.store.getTombstone(metadata.uid, id);
    if (
      (live !== undefined && stamp <= (live.stored.stamp ?? 0)) ||
      (tombstone !== undefined && stamp <= tombstone.stamp)
    ) {
      // A newer write or a delete reached this node first (an equal stamp: the same copy
      // again, or a tie nothing orders): what is here wins.
      return skipped(operation.position, id, live?.stored.version ?? 0);
    }
    // Newer than what is here: written on the previous owner after the copy here was made
    // (a router there had not learnt of this node yet). It replaces the live document.
    const version =
      live === undefined ? operation.version : Math.max(operation.version, live.stored.version + 1);
    return this.upsert(operation, { version, stamp });
  }

  private delete(operation: Extract<WriteOperation, { kind: 'delete' }>): ItemResult {
    const name = indexName(operation.index);
    const id = documentId(operation.id);
    const metadata = this.metadataOf(name);
    const existing = metadata === undefined ? undefined : this.store.getDocument(metadata.uid, id);
    if (operation.ifVersion !== undefined && existing?.stored.version !== operation.ifVersion) {
      // Changed (or gone) since it was handed off: leave it for the next rebalancing pass.
      return skipped(operation.position, id, existing?.stored.version ?? 0);
    }
    // Even the delete of an absent document leaves a tombstone: a copy still on the way from
    // the previous owner (rebalancing) must not bring it back.
    if (metadata !== undefined && operation.handedOff !== true) {
      const { clock } = this.policy;
      // Stamped above the version it deletes, like an update (see `upsert`).
      const stamp = Math.max(clock.next(), (existing?.stored.stamp ?? 0) + 1);
      this.store.putTombstone(metadata.uid, id, { atMs: clock.now(), stamp });
    }
    if (metadata === undefined || existing === undefined) {
      return { ok: true, position: operation.position, id, result: 'not_found', version: 0 };
    }
    this.store.removeDocument(metadata.uid, id);
    metadata.documents -= 1;
    metadata.storedBytes -= existing.bytes;
    this.changed.add(name);
    this.changes.push({
      kind: 'delete',
      index: name,
      uid: metadata.uid,
      id,
      docNumber: existing.stored.docNumber,
    });
    this.documents.push(undefined);
    return {
      ok: true,
      position: operation.position,
      id,
      result: 'deleted',
      version: existing.stored.version + 1,
    };
  }
}

/** The result of a rebalancing write that was not applied: the document here wins. */
function skipped(position: number, id: string, version: number): ItemResult {
  return { ok: true, position, id, result: 'skipped', version };
}
