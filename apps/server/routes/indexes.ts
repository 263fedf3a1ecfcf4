/**
 * Index routes: schema (`_config`) PUT/GET, dropping an index, and `/_indexes`.
 * @module
 */
import {
  IndexNotFoundError,
  ValidationError,
  type FieldDefinition,
  type IndexSchema,
} from '../../../messages/index.js';
import type { RouteRegistrar } from '../gateway.js';
import { readJsonBody } from '../request-body.js';
import { configBodySchema, parseWith, type ConfigBody } from '../request-schemas.js';
import { indexParam } from './documents.js';

/** Builds the schema message from the HTTP body; unset flags get their documented defaults. */
export function schemaFromBody(index: string, body: ConfigBody): IndexSchema {
  if (body.name !== undefined && body.name !== index) {
    throw new ValidationError(`schema name "${body.name}" does not match the index "${index}" of the path`, {
      details: { name: body.name, index },
    });
  }
  const names = new Set<string>();
  for (const field of body.fields) {
    if (names.has(field.name)) throw new ValidationError(`field "${field.name}" is defined twice`);
    names.add(field.name);
  }
  for (const name of [
    ...(body.default_search_fields ?? []),
    ...(body.routing_field === undefined ? [] : [body.routing_field]),
  ]) {
    if (!names.has(name))
      throw new ValidationError(`field "${name}" is referenced but not defined in fields`);
  }
  const fields: FieldDefinition[] = body.fields.map((field) => ({
    name: field.name,
    type: field.type,
    indexed: field.indexed ?? true,
    stored: field.stored ?? true,
    // Typed columns cost space; by default every non-text, non-json field gets one so it can be filtered and sorted.
    fast: field.fast ?? (field.type !== 'text' && field.type !== 'json'),
    ...(field.weight === undefined ? {} : { weight: field.weight }),
  }));
  return {
    name: index,
    fields,
    defaultSearchFields:
      body.default_search_fields ??
      fields.filter((field) => field.type === 'text').map((field) => field.name),
    ...(body.routing_field === undefined ? {} : { routingField: body.routing_field }),
    dynamic: body.dynamic ?? true,
    // The node assigns the real version; 0 means "next".
    version: 0,
  };
}

/** A schema as HTTP shows it (snake_case). */
export function schemaToJson(schema: IndexSchema): Record<string, unknown> {
  return {
    name: schema.name,
    fields: schema.fields,
    default_search_fields: schema.defaultSearchFields,
    ...(schema.routingField === undefined ? {} : { routing_field: schema.routingField }),
    dynamic: schema.dynamic,
    version: schema.version,
  };
}

const registerIndexRoutes: RouteRegistrar = (app, gateway) => {
  app.put(
    '/api/:index/_config',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const schema = schemaFromBody(
        index,
        parseWith(configBodySchema, await readJsonBody(c, gateway.limits.maxBodyBytes)),
      );
      const reply = await gateway.ask(c, { type: 'CreateConfig', schema });
      const stored = reply.schema ?? schema;
      return c.json(
        { index, created: reply.created ?? false, schema: schemaToJson(stored) },
        reply.created ? 201 : 200,
      );
    }),
  );

  app.get(
    '/api/:index/_config',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const reply = await gateway.ask(c, { type: 'GetConfig', index });
      if (reply.schema === undefined) throw new IndexNotFoundError(index);
      return c.json(schemaToJson(reply.schema));
    }),
  );

  app.delete(
    '/api/:index',
    gateway.handler(async (c) => {
      const index = indexParam(c);
      const reply = await gateway.ask(c, { type: 'DropIndex', index });
      if (!reply.dropped) throw new IndexNotFoundError(index);
      return c.json({ index, dropped: true });
    }),
  );

  app.get(
    '/_indexes',
    gateway.handler(async (c) => {
      const started = performance.now();
      const reply = await gateway.ask(c, { type: 'ListIndexes' });
      return c.json({
        indexes: reply.indexes.map((entry) => ({
          name: entry.name,
          document_count: entry.documentCount,
          index_size_bytes: entry.indexSizeBytes,
          shard_count: entry.shardCount,
          fields: entry.fields,
        })),
        total_indexes: reply.indexes.length,
        node_id: gateway.node.nodeId,
        took_ms: Math.round((performance.now() - started) * 1000) / 1000,
      });
    }),
  );
};

export { registerIndexRoutes };
