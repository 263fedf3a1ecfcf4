/**
 * Document routes: single PUT/GET/DELETE, `_bulk` and `_bulk/delete`.
 * HTTP speaks snake_case; the messages to the router are camelCase.
 * @module
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import {
  DocumentNotFoundError,
  ValidationError,
  indexName,
  type IndexName,
  type JsonObject,
} from '../../../messages/index.js';
import type { Gateway, GatewayEnv, RouteRegistrar } from '../gateway.js';
import { readJsonBody } from '../request-body.js';
import {
  deleteItemSchema,
  describeIssues,
  documentIdSchema,
  documentWriteSchema,
  parseWith,
  safeParseDocumentWrite,
} from '../request-schemas.js';

/** The index named in the path, validated (400 INVALID_ID otherwise). */
export function indexParam(c: Context<GatewayEnv>): IndexName {
  return indexName(c.req.param('index') ?? '');
}

/** The `id` (required) and `routing_key` (optional) query parameters. */
function documentQuery(c: Context<GatewayEnv>): { id: string; routingKey?: string } {
  const id = c.req.query('id');
  if (id === undefined)
    throw new ValidationError('query parameter "id" is required', { details: { parameter: 'id' } });
  parseWith(documentIdSchema, id, 'query parameter "id"');
  const routingKey = c.req.query('routing_key');
  if (routingKey === '') throw new ValidationError('query parameter "routing_key" must not be empty');
  return routingKey === undefined ? { id } : { id, routingKey };
}

/** A per-item error of a batch as HTTP shows it. */
export interface HttpItemError {
  position: number;
  id: string;
  error: string;
  message: string;
}

/** The body of a batch request, checked to be an array within the item cap. */
function batchItems(body: unknown, gateway: Gateway): unknown[] {
  if (!Array.isArray(body)) {
    throw new ValidationError('invalid body: expected a JSON array of items', {
      details: { received: typeof body },
    });
  }
  if (body.length > gateway.limits.maxBulkItems) {
    throw new ValidationError(`too many items: ${body.length} > ${gateway.limits.maxBulkItems}`, {
      details: { items: body.length, limit: gateway.limits.maxBulkItems },
    });
  }
  return body;
}

function itemId(item: unknown): string {
  if (typeof item === 'string') return item;
  if (item !== null && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string') {
    return (item as { id: string }).id;
  }
  return '';
}

const registerDocumentRoutes: RouteRegistrar = (app, gateway) => {
  app.put(
    '/api/:index/document',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const body = parseWith(documentWriteSchema, await readJsonBody(c, gateway.limits.maxBodyBytes));
      const reply = await gateway.ask(c, {
        type: 'Write',
        index,
        requestId: c.get('requestId'),
        id: body.id,
        ...(body.routing_key === undefined ? {} : { routingKey: body.routing_key }),
        doc: body.doc as JsonObject,
      });
      gateway.metrics.documentsWritten.inc();
      return c.json({ id: reply.id, result: reply.result, version: reply.version, shard_id: reply.shardId });
    }),
  );

  app.get(
    '/api/:index/document',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const query = documentQuery(c);
      const reply = await gateway.ask(c, { type: 'Get', index, ...query });
      if (!reply.found || reply.doc === undefined) throw new DocumentNotFoundError(index, query.id);
      c.header('X-Cameodb-Shard-Id', String(reply.shardId));
      if (reply.version !== undefined) {
        c.header('X-Cameodb-Version', String(reply.version));
        c.header('ETag', `"${reply.version}"`);
      }
      return c.json(reply.doc);
    }),
  );

  app.delete(
    '/api/:index/document',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const query = documentQuery(c);
      const reply = await gateway.ask(c, { type: 'Delete', index, ...query, requestId: c.get('requestId') });
      if (reply.result === 'not_found') throw new DocumentNotFoundError(index, query.id);
      gateway.metrics.documentsDeleted.inc();
      return c.json({ id: reply.id, result: reply.result, version: reply.version, shard_id: reply.shardId });
    }),
  );

  app.post(
    '/api/:index/_bulk',
    gateway.handler(async (c) => {
      const started = performance.now();
      const index = indexParam(c);
      const items = batchItems(await readJsonBody(c, gateway.limits.maxBodyBytes), gateway);
      const errors: HttpItemError[] = [];
      const valid: Array<{ id: string; routingKey?: string; doc: JsonObject }> = [];
      const positions: number[] = [];
      items.forEach((item, position) => {
        const parsed = safeParseDocumentWrite(item);
        if (!parsed.success) {
          errors.push(itemValidationError(position, itemId(item), parsed.error));
          return;
        }
        const { id, routing_key: routingKey, doc } = parsed.data;
        valid.push(
          routingKey === undefined
            ? { id, doc: doc as JsonObject }
            : { id, routingKey, doc: doc as JsonObject },
        );
        positions.push(position);
      });
      let written = 0;
      if (valid.length > 0) {
        const reply = await gateway.ask(c, {
          type: 'BulkWrite',
          index,
          items: valid,
          requestId: c.get('requestId'),
        });
        written = reply.itemsWritten;
        errors.push(...nodeItemErrors(reply.errors, positions));
      }
      gateway.metrics.documentsWritten.inc(written);
      errors.sort((a, b) => a.position - b.position);
      return c.json({
        items_received: items.length,
        items_written: written,
        errors,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      });
    }),
  );

  app.post(
    '/api/:index/_bulk/delete',
    gateway.handler(async (c) => {
      const started = performance.now();
      const index = indexParam(c);
      const items = batchItems(await readJsonBody(c, gateway.limits.maxBodyBytes), gateway);
      const errors: HttpItemError[] = [];
      const valid: Array<{ id: string; routingKey?: string }> = [];
      const positions: number[] = [];
      items.forEach((item, position) => {
        const parsed = deleteItemSchema.safeParse(item);
        if (!parsed.success) {
          errors.push(itemValidationError(position, itemId(item), parsed.error));
          return;
        }
        const value = parsed.data;
        valid.push(
          typeof value === 'string'
            ? { id: value }
            : value.routing_key === undefined
              ? { id: value.id }
              : { id: value.id, routingKey: value.routing_key },
        );
        positions.push(position);
      });
      let deleted = 0;
      if (valid.length > 0) {
        const reply = await gateway.ask(c, {
          type: 'BulkDelete',
          index,
          items: valid,
          requestId: c.get('requestId'),
        });
        deleted = reply.itemsDeleted;
        errors.push(...nodeItemErrors(reply.errors, positions));
      }
      gateway.metrics.documentsDeleted.inc(deleted);
      errors.sort((a, b) => a.position - b.position);
      return c.json({
        items_received: items.length,
        items_deleted: deleted,
        errors,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      });
    }),
  );
};

/** A per-item validation failure, naming the problems. */
export function itemValidationError(position: number, id: string, error: z.ZodError): HttpItemError {
  const summary = describeIssues(error)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
  return { position, id, error: ValidationError.code, message: summary };
}

export { registerDocumentRoutes };

/**
 * The node's per-item errors in the caller's positions: the node saw only the valid items,
 * so its position `i` is the caller's `positions[i]`.
 */
function nodeItemErrors(
  nodeErrors: ReadonlyArray<{ position: number; id: string; error: { code: string; message: string } }>,
  positions: readonly number[],
): HttpItemError[] {
  return nodeErrors.map((error) => ({
    position: positions[error.position] ?? error.position,
    id: error.id,
    error: error.error.code,
    message: error.error.message,
  }));
}
