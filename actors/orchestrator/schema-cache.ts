/**
 * The node's schema cache and its per-index lock. Schema changes of one index are
 * serialised here, so every shard learns a new field with the same type at the same time.
 * @module
 */
import type { IndexSchema } from '../../messages/index.js';

/** Index schemas known to this node, with one change at a time per index. */
export class SchemaCache {
  private readonly schemas = new Map<string, IndexSchema>();
  private readonly locks = new Map<string, Promise<unknown>>();

  /** The cached schema of `index`. */
  get(index: string): IndexSchema | undefined {
    return this.schemas.get(index);
  }

  /** Replaces (or removes, with `undefined`) the cached schema of `index`. */
  set(index: string, schema: IndexSchema | undefined): void {
    if (schema === undefined) this.schemas.delete(index);
    else this.schemas.set(index, schema);
  }

  /** Forgets every cached schema (before a restarted orchestrator hydrates again). */
  clear(): void {
    this.schemas.clear();
  }

  /** Names of the cached indexes, sorted. */
  names(): string[] {
    return [...this.schemas.keys()].sort();
  }

  /** Runs `change` after every earlier change of `index` has finished. */
  async withLock<T>(index: string, change: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(index) ?? Promise.resolve();
    const run = previous.then(change, change);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(index, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(index) === settled) this.locks.delete(index);
    }
  }
}

/** True when two schemas describe the same index layout, whatever their version counters. */
export function sameSchemaContent(a: IndexSchema, b: IndexSchema): boolean {
  const { version: _a, ...left } = a;
  const { version: _b, ...right } = b;
  return canonical(left) === canonical(right);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
