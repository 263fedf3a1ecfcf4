/**
 * Branded identifiers. A plain string is never a NodeId: it becomes one only through the
 * validating constructor, so a value of the type has always been checked.
 * @module
 */
import { InvalidIdError } from './errors.js';

declare const brand: unique symbol;
/** A value of `Base` that has passed the validation of `Name`. */
export type Brand<Base, Name extends string> = Base & { readonly [brand]: Name };

/** Identity of a node; a UUID persisted in the data directory. */
export type NodeId = Brand<string, 'NodeId'>;
/** A microshard number within one node, 0-based. */
export type ShardId = Brand<number, 'ShardId'>;
/** Name of an index: lowercase letters, digits, `_` and `-`, starting with a letter or digit, at most 64 characters. */
export type IndexName = Brand<string, 'IndexName'>;
/** A document's id: a non-empty string of at most 512 bytes of UTF-8. */
export type DocumentId = Brand<string, 'DocumentId'>;
/** Correlates a request with its reply and makes retried writes idempotent. */
export type RequestId = Brand<string, 'RequestId'>;

const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INDEX_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_DOCUMENT_ID_BYTES = 512;

/** Validates and brands a node id (a UUID or another name of letters, digits, `.`, `_`, `-`). */
export function nodeId(value: string): NodeId {
  if (typeof value !== 'string' || !NODE_ID_PATTERN.test(value)) {
    throw new InvalidIdError('NodeId', value, 'letters, digits, ".", "_" or "-", 1-128 characters');
  }
  return value as NodeId;
}

/** Validates and brands a shard id (a non-negative integer below 65536). */
export function shardId(value: number): ShardId {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new InvalidIdError('ShardId', value, 'an integer from 0 to 65535');
  }
  return value as ShardId;
}

/** Validates and brands an index name. */
export function indexName(value: string): IndexName {
  if (typeof value !== 'string' || !INDEX_NAME_PATTERN.test(value)) {
    throw new InvalidIdError(
      'IndexName',
      value,
      'lowercase letters, digits, "_" or "-", starting with a letter or digit, at most 64 characters',
    );
  }
  return value as IndexName;
}

/** Validates and brands a document id. */
export function documentId(value: string): DocumentId {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    Buffer.byteLength(value, 'utf8') > MAX_DOCUMENT_ID_BYTES
  ) {
    throw new InvalidIdError(
      'DocumentId',
      value,
      `a non-empty string of at most ${MAX_DOCUMENT_ID_BYTES} bytes`,
    );
  }
  return value as DocumentId;
}

/** Validates and brands a request id (1-128 printable ASCII characters). */
export function requestId(value: string): RequestId {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw new InvalidIdError('RequestId', value, '1-128 printable ASCII characters');
  }
  return value as RequestId;
}

/** True when `value` is a valid index name. */
export function isIndexName(value: unknown): value is IndexName {
  return typeof value === 'string' && INDEX_NAME_PATTERN.test(value);
}
