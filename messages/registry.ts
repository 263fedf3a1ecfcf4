/**
 * The registry of message shapes, keyed by stable type tags. A message is a plain object
 * whose `type` field is its tag; the registry knows how to check that an untrusted value
 * (decoded from the wire) really has the shape its tag promises.
 * @module
 */
import type { z } from 'zod';
import { NameConflictError } from './errors.js';

/** Any registered message: a plain object discriminated on `type`. */
export interface Message {
  readonly type: string;
}

/** A registered message shape. */
export interface MessageDefinition<S extends z.ZodType<Message> = z.ZodType<Message>> {
  readonly tag: string;
  readonly schema: S;
}

/** The message type a definition describes: `type WriteRequest = MessageOf<typeof WriteRequest>`. */
export type MessageOf<D extends MessageDefinition> = z.infer<D['schema']>;

const definitions = new Map<string, MessageDefinition>();

/**
 * Registers the shape of a message under its tag and returns the definition. Tags are
 * global and permanent: renaming one breaks nodes of older versions, so add new tags
 * rather than changing old ones.
 */
export function defineMessage<S extends z.ZodType<Message>>(
  tag: z.infer<S>['type'],
  schema: S,
): MessageDefinition<S> {
  if (definitions.has(tag)) throw new NameConflictError(`message tag "${tag}" is already registered`);
  const definition: MessageDefinition<S> = { tag, schema };
  definitions.set(tag, definition);
  return definition;
}

/** The definition registered for `tag`, if any. */
export function lookupMessage(tag: string): MessageDefinition | undefined {
  return definitions.get(tag);
}

/** All registered tags, sorted; used by tests and docs. */
export function registeredTags(): string[] {
  return [...definitions.keys()].sort();
}
