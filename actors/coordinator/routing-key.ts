/**
 * The routing-key ladder: the schema's routing field, else the request's routing key,
 * else the document id, else a deterministic hash of the document bytes.
 * @module
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../messages/index.js';

/** What a keyed operation knows about its document. */
export interface RoutingInput {
  /** The index schema's routing field, if it has one. */
  readonly routingField?: string;
  readonly routingKey?: string;
  readonly id?: string;
  readonly doc?: JsonObject;
}

/** The key that decides a document's owner. */
export function routeKey(input: RoutingInput): string {
  if (input.routingField !== undefined && input.doc !== undefined) {
    const value = input.doc[input.routingField];
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  }
  if (input.routingKey !== undefined && input.routingKey.length > 0) return input.routingKey;
  if (input.id !== undefined && input.id.length > 0) return input.id;
  if (input.doc !== undefined) return createHash('sha256').update(canonicalJson(input.doc)).digest('hex');
  throw new RangeError('nothing to route by: no routing field value, routing key, id or document');
}

/** JSON with object keys sorted, so equal documents hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
