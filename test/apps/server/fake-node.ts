/**
 * An in-memory NodeHandle for gateway tests: a Map-backed router that implements the
 * ClientOp semantics roughly, records every op, and can be told to fail or hang.
 * @module
 */
import { Gauge, Registry } from 'prom-client';
import { pino, type Logger } from 'pino';
import type { ActorRef } from '../../../actors/index.js';
import {
  FieldTypeError,
  IndexNotFoundError,
  QuerySyntaxError,
  SchemaConflictError,
  type ClientOp,
  type ClientReplies,
  type IndexSchema,
  type JsonObject,
  type SearchHit,
} from '../../../messages/index.js';
import type { NodeHandle, NodeHealth } from '../../../apps/server/index.js';
import { createApp, type GatewayApp, type HttpLimits } from '../../../apps/server/index.js';
import { defaultConfig } from '../../../apps/server/index.js';

interface StoredDocument {
  doc: JsonObject;
  version: number;
  shardId: number;
}

interface FakeIndex {
  schema?: IndexSchema;
  docs: Map<string, StoredDocument>;
}

/** What a test can make the router do instead of the normal behaviour. */
export type Interceptor = (op: ClientOp) => Promise<unknown> | undefined;

/** Shard of a key in the fake: a stable little hash. */
function shardOf(key: string, shards: number): number {
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % shards;
}

/** The fake node. */
export class FakeNode implements NodeHandle {
  readonly nodeId = '00000000-0000-4000-8000-000000000001';
  readonly nodeName = 'fake-node';
  readonly metrics = new Registry();
  readonly indexes = new Map<string, FakeIndex>();
  /** Every op the router received, in order. */
  readonly ops: ClientOp[] = [];
  /** When set and it returns a promise, that promise is the reply. */
  intercept: Interceptor | undefined;
  /** When false, writes to an unknown index fail with IndexNotFoundError instead of creating it. */
  autoCreateIndexes = true;
  stopped = 0;
  healthStatus: NodeHealth['status'] = 'green';
  readonly router: ActorRef<ClientOp, ClientReplies>;

  constructor(readonly shards = 4) {
    new Gauge({
      name: 'cameodb_fake_router_mailbox_depth',
      help: 'fake node metric',
      registers: [this.metrics],
    }).set(3);
    const ask = (op: ClientOp): Promise<unknown> => {
      this.ops.push(op);
      const intercepted = this.intercept?.(op);
      if (intercepted !== undefined) return intercepted;
      try {
        return Promise.resolve(this.handle(op));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.router = {
      name: 'fake-router',
      tell: (op: ClientOp) => void ask(op).catch(() => undefined),
      ask: ask as ActorRef<ClientOp, ClientReplies>['ask'],
    };
  }

  async health(): Promise<NodeHealth> {
    return {
      status: this.healthStatus,
      shards: Array.from({ length: this.shards }, (_unused, id) => ({
        id,
        state: 'running' as const,
        documents: [...this.indexes.values()].reduce(
          (sum, index) => sum + [...index.docs.values()].filter((doc) => doc.shardId === id).length,
          0,
        ),
        mailboxDepth: 0,
      })),
      routerMailboxDepth: 0,
      workerQueueDepths: { writers: 0, readers: 0 },
    };
  }

  async stop(): Promise<void> {
    this.stopped += 1;
  }

  private indexFor(name: string, create: boolean): FakeIndex {
    let index = this.indexes.get(name);
    if (index === undefined) {
      if (!create || !this.autoCreateIndexes) throw new IndexNotFoundError(name);
      index = { docs: new Map() };
      this.indexes.set(name, index);
    }
    return index;
  }

  private write(indexName: string, id: string, doc: JsonObject, routingKey?: string): ClientReplies['Write'] {
    // A typed field in the fake: "age" must be a number.
    if ('age' in doc && typeof doc['age'] !== 'number') {
      throw new FieldTypeError(`field "age" expects a number`, { details: { field: 'age' } });
    }
    const index = this.indexFor(indexName, true);
    const previous = index.docs.get(id);
    const shardId = shardOf(routingKey ?? id, this.shards);
    const version = (previous?.version ?? 0) + 1;
    index.docs.set(id, { doc, version, shardId });
    return {
      type: 'WriteResult',
      id,
      result: previous ? 'updated' : 'created',
      version,
      shardId,
      nodeId: this.nodeId,
    };
  }

  private search(
    indexName: string,
    spec: { query: string; limit: number; offset: number; fields?: string[] },
  ) {
    const index = this.indexFor(indexName, false);
    const open = spec.query.indexOf('(');
    if (open !== -1 && !spec.query.includes(')')) {
      throw new QuerySyntaxError('unclosed parenthesis', open, spec.query);
    }
    const term = spec.query.replace(/[()]/g, '').trim().toLowerCase();
    const matches: SearchHit[] = [];
    for (const [id, stored] of [...index.docs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (term !== '*' && !JSON.stringify(stored.doc).toLowerCase().includes(term)) continue;
      const fields =
        spec.fields === undefined
          ? stored.doc
          : Object.fromEntries(Object.entries(stored.doc).filter(([key]) => spec.fields?.includes(key)));
      matches.push({ id, score: 1, fields });
    }
    return {
      type: 'SearchResult' as const,
      hits: matches.slice(spec.offset, spec.offset + spec.limit),
      totalHits: matches.length,
      totalShards: this.shards,
      failedShards: 0,
      nodesContacted: 1,
    };
  }

  private handle(op: ClientOp): unknown {
    switch (op.type) {
      case 'Write':
        return this.write(op.index, op.id, op.doc, op.routingKey);
      case 'BulkWrite': {
        const errors: ClientReplies['BulkWrite']['errors'] = [];
        let written = 0;
        op.items.forEach((item, position) => {
          try {
            this.write(op.index, item.id, item.doc, item.routingKey);
            written += 1;
          } catch (error) {
            if (error instanceof IndexNotFoundError) throw error;
            errors.push({ position, id: item.id, error: (error as FieldTypeError).toWire() });
          }
        });
        return { type: 'BulkWriteResult', itemsReceived: op.items.length, itemsWritten: written, errors };
      }
      case 'Get': {
        const stored = this.indexFor(op.index, false).docs.get(op.id);
        return {
          type: 'GetResult',
          id: op.id,
          found: stored !== undefined,
          ...(stored === undefined ? {} : { doc: stored.doc, version: stored.version }),
          shardId: stored?.shardId ?? 0,
          nodeId: this.nodeId,
        };
      }
      case 'Delete': {
        const index = this.indexFor(op.index, false);
        const stored = index.docs.get(op.id);
        index.docs.delete(op.id);
        return {
          type: 'DeleteResult',
          id: op.id,
          result: stored ? 'deleted' : 'not_found',
          version: (stored?.version ?? 0) + 1,
          shardId: stored?.shardId ?? 0,
          nodeId: this.nodeId,
        };
      }
      case 'BulkDelete': {
        const index = this.indexFor(op.index, false);
        let deleted = 0;
        for (const item of op.items) if (index.docs.delete(item.id)) deleted += 1;
        return {
          type: 'BulkDeleteResult',
          itemsReceived: op.items.length,
          itemsDeleted: deleted,
          errors: [],
        };
      }
      case 'Search':
      case 'Stream':
        return this.search(op.index, op.search);
      case 'GetConfig': {
        const schema = this.indexes.get(op.index)?.schema;
        return { type: 'ConfigResult', ...(schema === undefined ? {} : { schema }) };
      }
      case 'CreateConfig': {
        const existing = this.indexes.get(op.schema.name);
        if (existing?.schema !== undefined && existing.docs.size > 0) {
          for (const field of op.schema.fields) {
            const old = existing.schema.fields.find((candidate) => candidate.name === field.name);
            if (old !== undefined && old.type !== field.type) {
              throw new SchemaConflictError(
                `field "${field.name}" cannot change type from ${old.type} to ${field.type}`,
                {
                  details: { field: field.name },
                },
              );
            }
          }
        }
        const version = (existing?.schema?.version ?? 0) + 1;
        const schema = { ...op.schema, version };
        if (existing) existing.schema = schema;
        else this.indexes.set(op.schema.name, { schema, docs: new Map() });
        return { type: 'ConfigResult', schema, created: existing === undefined };
      }
      case 'DropIndex':
        return { type: 'DropIndexResult', dropped: this.indexes.delete(op.index) };
      case 'ListIndexes':
        return {
          type: 'ListIndexesResult',
          indexes: [...this.indexes.entries()].map(([name, index]) => ({
            name,
            documentCount: index.docs.size,
            indexSizeBytes: JSON.stringify([...index.docs.values()]).length,
            shardCount: this.shards,
            fields: index.schema?.fields.map((field) => field.name) ?? [],
          })),
        };
    }
  }
}

/** A silent logger for tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** A gateway over a fresh fake node, with limits overridable per test. */
export function fakeGateway(
  limits: Partial<HttpLimits> = {},
  logger: Logger = silentLogger,
): GatewayApp & { node: FakeNode } {
  const node = new FakeNode();
  const gatewayApp = createApp({ node, limits: { ...defaultConfig().http, ...limits }, logger });
  return { ...gatewayApp, node };
}

/** Sends a JSON body. */
export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  };
}

/** A promise that never settles (a hung handler). */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
