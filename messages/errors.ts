/**
 * Every error CameoDB raises is a `CameoError` with a stable `code`. Errors cross the wire
 * as `WireError` values and are rebuilt as the same class on the other side
 * (`errorFromWire`), so a caller catches a remote failure exactly like a local one.
 * @module
 */

/** A serialisable error, as it travels in messages and HTTP bodies. */
export interface WireError {
  readonly type: 'Error';
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** Options common to every CameoError. */
export interface CameoErrorOptions {
  readonly details?: unknown;
  readonly cause?: unknown;
}

/** Base class of all CameoDB errors. `code` is stable across versions and crosses the wire. */
export class CameoError extends Error {
  /** Stable, machine-readable code; subclasses fix it. */
  readonly code: string;
  /** Structured context for the caller (field names, positions, node ids). */
  readonly details: unknown;

  constructor(code: string, message: string, options: CameoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  /** The serialisable form of this error. */
  toWire(): WireError {
    return this.details === undefined
      ? { type: 'Error', code: this.code, message: this.message }
      : { type: 'Error', code: this.code, message: this.message, details: this.details };
  }
}

/** An identifier failed its validating constructor. */
export class InvalidIdError extends CameoError {
  static readonly code = 'INVALID_ID';
  constructor(kind: string, value: unknown, expected: string) {
    super(InvalidIdError.code, `invalid ${kind} ${JSON.stringify(value)}: expected ${expected}`, {
      details: { kind, value: typeof value === 'string' ? value.slice(0, 200) : String(value), expected },
    });
  }
}

/** Bytes that are not a valid message: truncated, corrupted, an unknown tag, or the wrong shape. */
export class DecodeError extends CameoError {
  static readonly code = 'DECODE_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(DecodeError.code, message, options);
  }
}

/** A value could not be encoded (not serialisable, or not a registered message). */
export class EncodeError extends CameoError {
  static readonly code = 'ENCODE_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(EncodeError.code, message, options);
  }
}

/** A request was invalid: wrong types, unknown fields, bad values. Maps to HTTP 400. */
export class ValidationError extends CameoError {
  static readonly code = 'VALIDATION_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(ValidationError.code, message, options);
  }
}

/** A node-level failure reported by the NodeOrchestrator. */
export class OrchestratorError extends CameoError {
  static readonly code = 'ORCHESTRATOR_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(OrchestratorError.code, message, options);
  }
}

/** A failure on another node whose own class is not known here; carries the remote code. */
export class RemoteError extends CameoError {
  static readonly code = 'REMOTE_ERROR';
  /** The code the remote side reported. */
  readonly remoteCode: string;
  constructor(remoteCode: string, message: string, options: CameoErrorOptions = {}) {
    super(RemoteError.code, message, options);
    this.remoteCode = remoteCode;
  }
  override toWire(): WireError {
    // Keep the original code so a third hop still sees what really failed.
    return { type: 'Error', code: this.remoteCode, message: this.message, details: this.details };
  }
}

/** An ask did not get its reply before its deadline. */
export class AskTimeoutError extends CameoError {
  static readonly code = 'ASK_TIMEOUT';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(AskTimeoutError.code, message, options);
  }
}

/** The target actor is stopped (a dead letter). */
export class ActorStoppedError extends CameoError {
  static readonly code = 'ACTOR_STOPPED';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(ActorStoppedError.code, message, options);
  }
}

/** No actor is registered under the requested name. */
export class UnknownActorError extends CameoError {
  static readonly code = 'UNKNOWN_ACTOR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(UnknownActorError.code, message, options);
  }
}

/** A name is already registered to another actor. */
export class NameConflictError extends CameoError {
  static readonly code = 'NAME_CONFLICT';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(NameConflictError.code, message, options);
  }
}

/** The peer hosting the target went away while a call was pending. */
export class PeerGoneError extends CameoError {
  static readonly code = 'PEER_GONE';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(PeerGoneError.code, message, options);
  }
}

/**
 * A keyed write reached a node whose ring says another node owns the key, after it was
 * already forwarded as far as allowed: the nodes' rings disagree while a membership change
 * spreads. Retryable (503 with Retry-After).
 */
export class NotOwnerError extends CameoError {
  static readonly code = 'NOT_OWNER';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(NotOwnerError.code, message, options);
  }
}

/** A cluster member cannot be removed while it is up (stop it first). 409. */
export class MemberUpError extends CameoError {
  static readonly code = 'MEMBER_UP';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(MemberUpError.code, message, options);
  }
}

/** The caller cancelled the call. */
export class CancelledError extends CameoError {
  static readonly code = 'CANCELLED';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(CancelledError.code, message, options);
  }
}

/** Too much queued work: retry later. Maps to HTTP 503 with Retry-After. */
export class OverloadedError extends CameoError {
  static readonly code = 'OVERLOADED';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(OverloadedError.code, message, options);
  }
}

/** The index does not exist. Maps to HTTP 404. */
export class IndexNotFoundError extends CameoError {
  static readonly code = 'INDEX_NOT_FOUND';
  constructor(index: string) {
    super(IndexNotFoundError.code, `index "${index}" not found`, { details: { index } });
  }
}

/** The document does not exist. Maps to HTTP 404. */
export class DocumentNotFoundError extends CameoError {
  static readonly code = 'DOCUMENT_NOT_FOUND';
  constructor(index: string, id: string) {
    super(DocumentNotFoundError.code, `document "${id}" not found in index "${index}"`, {
      details: { index, id },
    });
  }
}

/** A schema change conflicts with the existing schema of a populated index. Maps to HTTP 409. */
export class SchemaConflictError extends CameoError {
  static readonly code = 'SCHEMA_CONFLICT';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(SchemaConflictError.code, message, options);
  }
}

/** A query string could not be parsed; `details.position` is the 0-based character offset. */
export class QuerySyntaxError extends CameoError {
  static readonly code = 'QUERY_SYNTAX_ERROR';
  /** 0-based character offset of the problem in the query string. */
  readonly position: number;
  constructor(message: string, position: number, query: string) {
    super(QuerySyntaxError.code, `${message} at position ${position}`, { details: { position, query } });
    this.position = position;
  }
}

/** A document's value does not fit its field's type. */
export class FieldTypeError extends CameoError {
  static readonly code = 'FIELD_TYPE_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(FieldTypeError.code, message, options);
  }
}

/** A storage failure (I/O, corruption, full disk). */
export class StorageError extends CameoError {
  static readonly code = 'STORAGE_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(StorageError.code, message, options);
  }
}

/**
 * The disk (or LMDB's map) is full. Not a broken store: writes fail until space is freed,
 * then succeed again; reads and searches go on. The message says whether anything was kept.
 */
export class StorageFullError extends CameoError {
  static readonly code = 'STORAGE_FULL';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(StorageFullError.code, message, options);
  }
}

/** Something is shutting down and no longer accepts work. */
export class ShuttingDownError extends CameoError {
  static readonly code = 'SHUTTING_DOWN';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(ShuttingDownError.code, message, options);
  }
}

type ErrorFactory = (message: string, details: unknown) => CameoError;

const factories = new Map<string, ErrorFactory>();

/**
 * Registers how to rebuild an error class from its wire form. Built-in classes are
 * registered below; a new error class registers itself the same way.
 */
export function registerErrorClass(code: string, factory: ErrorFactory): void {
  if (factories.has(code)) throw new NameConflictError(`error code ${code} is already registered`);
  factories.set(code, factory);
}

/** Rebuilds an error of the registered class for `wire.code`, or a RemoteError carrying the code. */
export function errorFromWire(wire: WireError): CameoError {
  const factory = factories.get(wire.code);
  if (factory) return factory(wire.message, wire.details);
  return new RemoteError(wire.code, wire.message, { details: wire.details });
}

/**
 * The message of anything thrown. Read as a property, not through `instanceof Error`: an
 * addon's error may come from another realm (jest's module registry).
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message } = error as { message?: unknown };
    if (typeof message === 'string') return message;
  }
  return String(error);
}

/** Turns anything thrown into a CameoError, keeping the original as `cause`. */
export function toCameoError(error: unknown): CameoError {
  if (error instanceof CameoError) return error;
  return new CameoError('INTERNAL_ERROR', errorMessage(error), { cause: error });
}

/** Rebuild with the wire message (not re-derived), keeping details. */
function restore<T extends CameoError>(instance: T, message: string, details: unknown): T {
  instance.message = message;
  (instance as { details: unknown }).details = details;
  return instance;
}

type SimpleErrorClass = new (message: string, options?: CameoErrorOptions) => CameoError;
const simpleClasses: ReadonlyArray<[string, SimpleErrorClass]> = [
  [DecodeError.code, DecodeError],
  [EncodeError.code, EncodeError],
  [ValidationError.code, ValidationError],
  [OrchestratorError.code, OrchestratorError],
  [AskTimeoutError.code, AskTimeoutError],
  [ActorStoppedError.code, ActorStoppedError],
  [UnknownActorError.code, UnknownActorError],
  [NameConflictError.code, NameConflictError],
  [PeerGoneError.code, PeerGoneError],
  [CancelledError.code, CancelledError],
  [NotOwnerError.code, NotOwnerError],
  [MemberUpError.code, MemberUpError],
  [OverloadedError.code, OverloadedError],
  [SchemaConflictError.code, SchemaConflictError],
  [FieldTypeError.code, FieldTypeError],
  [StorageError.code, StorageError],
  [StorageFullError.code, StorageFullError],
  [ShuttingDownError.code, ShuttingDownError],
];
for (const [code, ErrorClass] of simpleClasses) {
  registerErrorClass(code, (message, details) => new ErrorClass(message, { details }));
}
registerErrorClass(InvalidIdError.code, (message, details) =>
  restore(new InvalidIdError('id', '', ''), message, details),
);
registerErrorClass(IndexNotFoundError.code, (message, details) =>
  restore(new IndexNotFoundError(''), message, details),
);
registerErrorClass(DocumentNotFoundError.code, (message, details) =>
  restore(new DocumentNotFoundError('', ''), message, details),
);
registerErrorClass(QuerySyntaxError.code, (message, details) => {
  const position = (details as { position?: unknown } | undefined)?.position;
  const error = new QuerySyntaxError('', typeof position === 'number' ? position : 0, '');
  return restore(error, message, details);
});
