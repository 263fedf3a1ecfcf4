/**
 * The OpenAPI 3.1 document of the HTTP API, served at `/openapi.json`. A test checks that
 * every registered route is documented here and every documented operation is registered.
 * @module
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema): Schema => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema): Schema => ({ description, content: json(schema) });
const errorResponse = (description: string): Schema => ({ description, content: json(ref('Error')) });

const indexParameter = {
  name: 'index',
  in: 'path',
  required: true,
  description:
    'Index name: lowercase letters, digits, "_" or "-", starting with a letter or digit, at most 64 characters.',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
};
/** The `nodeId` path parameter of the cluster admin routes. */
const nodeIdParameter = (description: string): Schema => ({
  name: 'nodeId',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const idQuery = { name: 'id', in: 'query', required: true, schema: { type: 'string', minLength: 1 } };
const routingQuery = {
  name: 'routing_key',
  in: 'query',
  required: false,
  schema: { type: 'string', minLength: 1 },
};
const contentEncoding = {
  name: 'Content-Encoding',
  in: 'header',
  required: false,
  description: 'identity (default) or gzip; anything else is 415.',
  schema: { type: 'string', enum: ['identity', 'gzip'] },
};

/** Error answers every request-handling route can give. */
const commonErrors = {
  '400': errorResponse(
    'Invalid request: malformed JSON, wrong types, unknown fields, invalid index name or id, query syntax error (details.position).',
  ),
  '415': errorResponse('Unsupported Content-Encoding or Content-Type.'),
  '500': errorResponse('Unexpected failure (logged with its stack).'),
  '503': {
    ...errorResponse(
      'Overloaded, past the request deadline (REQUEST_TIMEOUT), shutting down or a peer is gone; retry after Retry-After seconds.',
    ),
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
  },
};
const bodyErrors = { ...commonErrors, '413': errorResponse('Request body larger than http.max_body_bytes.') };
/** A write the disk has no room for (nothing written, or durable but not yet searchable: see the message). */
const storageFull = {
  '507': errorResponse('STORAGE_FULL: the disk is full; writes succeed again once space is freed.'),
};

function operation(summary: string, extra: Schema): Schema {
  return { summary, ...extra };
}

/** Builds the OpenAPI document. */
export function openApiDocument(): Schema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'CameoDB HTTP API',
      version: '1',
      description:
        'Document store and full-text search. Every error body is {"error": <code>, "details": {...}}.',
    },
    paths: {
      '/api/{index}/document': {
        parameters: [indexParameter],
        put: operation('Create or replace one document', {
          parameters: [contentEncoding],
          requestBody: { required: true, content: json(ref('DocumentWrite')) },
          responses: {
            '200': ok('Written and durable', ref('WriteResult')),
            '404': errorResponse('Index not found'),
            ...bodyErrors,
            ...storageFull,
          },
        }),
        get: operation('Read one document (the stored JSON object)', {
          parameters: [idQuery, routingQuery],
          responses: {
            '200': ok('The stored document; its version is in the ETag and X-Cameodb-Version headers', {
              type: 'object',
            }),
            '404': errorResponse('Index or document not found'),
            ...commonErrors,
          },
        }),
        delete: operation('Delete one document', {
          parameters: [idQuery, routingQuery],
          responses: {
            '200': ok('Deleted', ref('WriteResult')),
            '404': errorResponse('Index or document not found'),
            ...commonErrors,
            ...storageFull,
          },
        }),
      },
      '/api/{index}/_bulk': {
        parameters: [indexParameter],
        post: operation('Write many documents', {
          parameters: [contentEncoding],
          requestBody: { required: true, content: json({ type: 'array', items: ref('DocumentWrite') }) },
          responses: {
            '200': ok('Per-item outcome', ref('BulkWriteResult')),
            '404': errorResponse('Index not found'),
            ...bodyErrors,
          },
        }),
      },
      '/api/{index}/_bulk/delete': {
        parameters: [indexParameter],
        post: operation('Delete many documents', {
          parameters: [contentEncoding],
          requestBody: {
            required: true,
            content: json({
              type: 'array',
              items: {
                oneOf: [
                  { type: 'string' },
                  {
                    type: 'object',
                    required: ['id'],
                    additionalProperties: false,
                    properties: { id: { type: 'string' }, routing_key: { type: 'string' } },
                  },
                ],
              },
            }),
          },
          responses: {
            '200': ok('Per-item outcome', ref('BulkDeleteResult')),
            '404': errorResponse('Index not found'),
            ...bodyErrors,
          },
        }),
      },
      '/api/{index}/document/stream': {
        parameters: [indexParameter],
        post: operation('Ingest NDJSON (one DocumentWrite per line) in micro-batches; any size', {
          parameters: [contentEncoding],
          requestBody: {
            required: true,
            content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          responses: {
            '200': ok('status ok or partial', ref('StreamIngestResult')),
            '400': ok('status refused: nothing written (report included)', ref('StreamIngestResult')),
            '404': errorResponse('Index not found (report included)'),
            '415': commonErrors['415'],
            '500': commonErrors['500'],
            '503': commonErrors['503'],
          },
        }),
      },
      '/api/{index}/search': {
        parameters: [indexParameter],
        post: operation('Search an index', {
          requestBody: { required: true, content: json(ref('SearchRequest')) },
          responses: {
            '200': ok('Hits, best first', ref('SearchResult')),
            '404': errorResponse('Index not found'),
            ...bodyErrors,
          },
        }),
      },
      '/api/{index}/search/stream': {
        parameters: [indexParameter],
        post: operation('Search, answered as NDJSON: one hit per line, then {"_footer": {...}}', {
          requestBody: { required: true, content: json(ref('SearchRequest')) },
          responses: {
            '200': {
              description: 'NDJSON hits and footer',
              content: { 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            '404': errorResponse('Index not found'),
            ...bodyErrors,
          },
        }),
      },
      '/api/{index}/_config': {
        parameters: [indexParameter],
        put: operation('Create or update the index schema', {
          requestBody: { required: true, content: json(ref('IndexConfig')) },
          responses: {
            '200': ok('Updated', ref('ConfigResult')),
            '201': ok('Created', ref('ConfigResult')),
            '409': errorResponse('Conflicting change to a populated index'),
            ...bodyErrors,
            ...storageFull,
          },
        }),
        get: operation('Read the index schema', {
          responses: {
            '200': ok('The schema', ref('IndexConfig')),
            '404': errorResponse('Index not found'),
            ...commonErrors,
          },
        }),
      },
      '/api/{index}': {
        parameters: [indexParameter],
        delete: operation('Drop an index and all its documents', {
          responses: {
            '200': ok('Dropped', {
              type: 'object',
              properties: { index: { type: 'string' }, dropped: { type: 'boolean' } },
            }),
            '404': errorResponse('Index not found'),
            ...commonErrors,
          },
        }),
      },
      '/_indexes': {
        get: operation('List indexes', {
          responses: { '200': ok('Indexes', ref('IndexList')), ...commonErrors },
        }),
      },
      '/_cluster/health': {
        get: operation('Node health (never refused by admission control)', {
          responses: {
            '200': ok('Health', ref('Health')),
            '500': commonErrors['500'],
            '503': commonErrors['503'],
          },
        }),
      },
      '/_cluster/nodes': {
        get: operation(
          'The ring members (this node first), their health and addresses, and the cluster state',
          {
            responses: {
              '200': ok('Cluster members', ref('ClusterNodes')),
              '500': commonErrors['500'],
              '503': commonErrors['503'],
            },
          },
        ),
      },
      '/_cluster/nodes/{nodeId}': {
        parameters: [nodeIdParameter('The member to remove.')],
        delete: operation(
          'Take a member that is down for good (its disk lost) off the ring on every live member: its keys move to the others and the documents it held are gone (no replication). A removed node that comes back is ignored; wipe its data directory to join it as a new node.',
          {
            responses: {
              '200': ok('Removed', ref('MemberRemoved')),
              '400': errorResponse('Not a member, this node itself, or the node is not in a cluster'),
              '409': errorResponse('The member is up (MEMBER_UP): stop it first'),
              '500': commonErrors['500'],
              '503': commonErrors['503'],
            },
          },
        ),
      },
      '/_cluster/nodes/{nodeId}/_decommission': {
        parameters: [nodeIdParameter('The live member to decommission (any node can be asked).')],
        post: operation(
          'Decommission a live member: it leaves the ring on every member (its keys move to the others) and hands every document it holds to their new owners, staying readable and searchable meanwhile. When it holds none (`/_cluster/nodes`: `handing_off` false), stop it and remove it with DELETE.',
          {
            responses: {
              '200': ok('Leaving', ref('MemberLeaving')),
              '400': errorResponse(
                'Not a member, the last member on the ring, or the node is not in a cluster',
              ),
              '500': commonErrors['500'],
              '503': commonErrors['503'],
            },
          },
        ),
      },
      '/_cluster/ring': {
        get: operation('The consistent-hash ring: members, their key-space share, every virtual node', {
          responses: {
            '200': ok('Ring', ref('ClusterRing')),
            '500': commonErrors['500'],
            '503': commonErrors['503'],
          },
        }),
      },
      '/metrics': {
        get: operation('Prometheus metrics (text exposition format)', {
          responses: {
            '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        }),
      },
      '/openapi.json': {
        get: operation('This document', {
          responses: { '200': ok('OpenAPI 3.1 document', { type: 'object' }) },
        }),
      },
    },
    components: { schemas: componentSchemas() },
  };
}

function componentSchemas(): Record<string, Schema> {
  /** The peers a membership change was passed on to, and those it was not (with why). */
  const peersTold = {
    notified: { type: 'array', items: { type: 'string' } },
    failed: {
      type: 'array',
      items: { type: 'object', properties: { node_id: { type: 'string' }, error: { type: 'string' } } },
    },
  };
  const integer = { type: 'integer', minimum: 0 };
  const itemError = {
    type: 'object',
    properties: {
      position: integer,
      id: { type: 'string' },
      error: { type: 'string' },
      message: { type: 'string' },
    },
  };
  return {
    Error: {
      type: 'object',
      required: ['error', 'details'],
      properties: {
        error: {
          type: 'string',
          description: 'Stable code, e.g. VALIDATION_ERROR, QUERY_SYNTAX_ERROR, INDEX_NOT_FOUND.',
        },
        details: { type: 'object', properties: { message: { type: 'string' } }, additionalProperties: true },
      },
    },
    DocumentWrite: {
      type: 'object',
      required: ['id', 'doc'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1, description: 'At most 512 bytes of UTF-8.' },
        routing_key: { type: 'string', minLength: 1 },
        doc: { type: 'object', description: 'The document; a "__proto__" key anywhere is rejected.' },
      },
    },
    WriteResult: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        result: { type: 'string', enum: ['created', 'updated', 'deleted'] },
        version: integer,
        shard_id: integer,
      },
    },
    BulkWriteResult: {
      type: 'object',
      properties: {
        items_received: integer,
        items_written: integer,
        errors: { type: 'array', items: itemError },
        duration_ms: { type: 'number' },
      },
    },
    BulkDeleteResult: {
      type: 'object',
      properties: {
        items_received: integer,
        items_deleted: integer,
        errors: { type: 'array', items: itemError },
        duration_ms: { type: 'number' },
      },
    },
    StreamIngestResult: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok', 'partial', 'refused'] },
        lines_received: integer,
        items_written: integer,
        batches: integer,
        errors: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            properties: {
              line: integer,
              id: { type: 'string' },
              error: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
        suppressed_errors: integer,
        duration_ms: { type: 'number' },
      },
    },
    SearchRequest: {
      type: 'object',
      required: ['query'],
      additionalProperties: false,
      properties: {
        query: { type: 'string' },
        limit: { ...integer, default: 10 },
        offset: { ...integer, default: 0 },
        fields: { type: 'array', items: { type: 'string' } },
        sort: {
          type: 'object',
          required: ['field'],
          properties: {
            field: { type: 'string' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
          },
        },
        highlight: { oneOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string' } }] },
      },
      description: 'limit + offset must not exceed http.max_result_window (default 10000).',
    },
    SearchResult: {
      type: 'object',
      properties: {
        hits: {
          type: 'array',
          items: {
            type: 'object',
            required: ['_id', '_score'],
            properties: {
              _id: { type: 'string' },
              _score: { type: 'number' },
              _sort: {},
              _highlights: { type: 'object' },
            },
            additionalProperties: true,
          },
        },
        hits_returned: integer,
        total_hits: integer,
        limit: integer,
        offset: integer,
        total_shards: integer,
        failed_shards: integer,
        nodes_contacted: integer,
        took_ms: { type: 'number' },
      },
    },
    IndexConfig: {
      type: 'object',
      required: ['fields'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'type'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              type: {
                type: 'string',
                enum: ['text', 'string', 'i64', 'u64', 'f64', 'date', 'boolean', 'json'],
              },
              indexed: { type: 'boolean', default: true },
              stored: { type: 'boolean', default: true },
              fast: { type: 'boolean', description: 'Default: true except for text and json fields.' },
              weight: { type: 'number', exclusiveMinimum: 0 },
            },
          },
        },
        default_search_fields: { type: 'array', items: { type: 'string' } },
        routing_field: { type: 'string' },
        dynamic: { type: 'boolean', default: true },
        version: integer,
      },
    },
    ConfigResult: {
      type: 'object',
      properties: { index: { type: 'string' }, created: { type: 'boolean' }, schema: ref('IndexConfig') },
    },
    IndexList: {
      type: 'object',
      properties: {
        indexes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              document_count: integer,
              index_size_bytes: integer,
              shard_count: integer,
              fields: { type: 'array', items: { type: 'string' } },
            },
          },
        },
        total_indexes: integer,
        node_id: { type: 'string' },
        took_ms: { type: 'number' },
      },
    },
    Health: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['green', 'yellow', 'red'] },
        node_id: { type: 'string' },
        node_name: { type: 'string' },
        shards: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: integer,
              state: { type: 'string' },
              documents: integer,
              mailbox_depth: integer,
            },
          },
        },
        queue_depths: { type: 'object', additionalProperties: true },
        cluster: {
          type: 'object',
          description: 'Present on a cluster member.',
          properties: {
            state: { type: 'string', enum: ['Active', 'Degraded', 'Failed'] },
            ring_virtual_nodes: integer,
            peers: { type: 'array', items: { type: 'object', additionalProperties: true } },
            broadcasts: integer,
            broadcast_failures: integer,
            retries: integer,
            remote_timeouts: integer,
          },
        },
      },
      additionalProperties: true,
    },
    ClusterNodes: {
      type: 'object',
      properties: {
        cluster_enabled: { type: 'boolean' },
        state: { type: 'string', enum: ['Active', 'Degraded', 'Failed'] },
        node_id: { type: 'string' },
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              node_id: { type: 'string' },
              node_name: { type: 'string' },
              self: { type: 'boolean' },
              healthy: { type: 'boolean' },
              shards: integer,
              addresses: { type: 'array', items: { type: 'string' } },
              last_seen_ms: integer,
            },
          },
        },
      },
    },
    MemberRemoved: {
      type: 'object',
      properties: {
        node_id: { type: 'string' },
        removed: { type: 'boolean', description: 'false when the asked node had already removed it' },
        members: { type: 'array', items: { type: 'string' } },
        ...peersTold,
      },
    },
    MemberLeaving: {
      type: 'object',
      properties: {
        node_id: { type: 'string' },
        leaving: { type: 'boolean' },
        ring_members: { type: 'array', items: { type: 'string' } },
        ...peersTold,
      },
    },
    ClusterRing: {
      type: 'object',
      properties: {
        cluster_enabled: { type: 'boolean' },
        hash: { type: 'string' },
        virtual_nodes_per_node: integer,
        virtual_nodes: integer,
        members: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              node_id: { type: 'string' },
              shard_count: integer,
              key_space_share: { type: 'number' },
            },
          },
        },
        tokens: {
          type: 'array',
          items: {
            type: 'object',
            properties: { token: integer, node_id: { type: 'string' }, shard_id: integer },
          },
        },
      },
    },
  };
}
