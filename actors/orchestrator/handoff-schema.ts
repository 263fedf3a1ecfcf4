/**
 * The schema check a node makes before it adopts handed-off documents (rebalancing): a
 * document that would add or widen a field must not evolve one shard's schema on its own,
 * since schemas change through the index's schema owner only.
 * @module
 */
import type { IndexSchema, JsonObject } from '../../messages/index.js';
import { evolveSchema } from '../../storage/index.js';

/** True when `doc` has a field `schema` lacks (or a value that would widen one). */
export function schemaLacksFieldsOf(schema: IndexSchema, doc: JsonObject): boolean {
  return evolveSchema(schema, schema.name, doc) !== undefined;
}
