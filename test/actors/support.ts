/**
 * Helpers for actor tests: a system whose logs are captured in memory, and small timing aids.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createActorSystem, type ActorSystem, type ActorSystemOptions } from '../../actors/index.js';

/** One captured log line. */
export interface LogLine {
  level: number;
  msg: string;
  actor?: string;
  messageType?: string;
  [key: string]: unknown;
}

/** A system with captured logs; stop it in afterEach. */
export function testSystem(options: ActorSystemOptions = {}): { system: ActorSystem; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, destination);
  return { system: createActorSystem({ logger, ...options }), logs };
}

/** Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits until `condition()` holds, checking every few milliseconds (fails after `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(2);
  }
}
