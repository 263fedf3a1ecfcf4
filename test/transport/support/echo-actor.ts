/**
 * A test-only protocol and a hand-written ActorRef serving it, standing in for the actor
 * runtime: `Echo` replies with its text after `delayMs`, or throws the error class named by
 * `failWith`, and honours the ask's AbortSignal like a real runtime would.
 * @module
 */
import { z } from 'zod';
import type { ActorRef, AskOptions } from '../../../actors/index.js';
import {
  CancelledError,
  IndexNotFoundError,
  ValidationError,
  defineMessage,
  type MessageOf,
} from '../../../messages/index.js';

/** A request to echo `text`. */
export const Echo = defineMessage(
  'TransportTestEcho',
  z.object({
    type: z.literal('TransportTestEcho'),
    text: z.string(),
    delayMs: z.number().int().nonnegative().optional(),
    /** The reply repeats the text this many times (large replies). */
    repeat: z.number().int().positive().optional(),
    failWith: z.enum(['validation', 'index-not-found']).optional(),
  }),
);
/** A request to echo `text`. */
export type Echo = MessageOf<typeof Echo>;

/** The reply to Echo. */
export const EchoReply = defineMessage(
  'TransportTestEchoReply',
  z.object({ type: z.literal('TransportTestEchoReply'), text: z.string(), servedBy: z.string() }),
);
/** The reply to Echo. */
export type EchoReply = MessageOf<typeof EchoReply>;

/** Reply map of the echo protocol. */
export interface EchoReplies {
  TransportTestEcho: EchoReply;
}

/** What an echo actor observed, so tests can check cancellation reached the handler. */
export interface EchoStats {
  served: number;
  aborted: number;
  told: string[];
}

/** A hand-written echo actor. */
export function createEchoActor(
  name: string,
  servedBy: string,
  stats?: EchoStats,
): ActorRef<Echo, EchoReplies> {
  return {
    name,
    tell(message: Echo): void {
      stats?.told.push(message.text);
    },
    ask<M extends Echo>(message: M, options: AskOptions = {}): Promise<EchoReply> {
      if (message.failWith === 'validation')
        return Promise.reject(new ValidationError(`bad text ${message.text}`));
      if (message.failWith === 'index-not-found') return Promise.reject(new IndexNotFoundError(message.text));
      const text = message.repeat === undefined ? message.text : message.text.repeat(message.repeat);
      const reply: EchoReply = { type: 'TransportTestEchoReply', text, servedBy };
      if (stats) stats.served++;
      if (!message.delayMs) return Promise.resolve(reply);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(reply), message.delayMs);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          if (stats) stats.aborted++;
          reject(new CancelledError('echo aborted'));
        });
      });
    },
  };
}
