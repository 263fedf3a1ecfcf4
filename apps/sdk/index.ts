/**
 * apps/sdk: the TypeScript client of CameoDB's HTTP API. `CameoClient` has one method per
 * endpoint; failures are typed errors with stable codes.
 *
 * @example
 * ```ts
 * const client = new CameoClient({ url: 'http://127.0.0.1:9480' });
 * await client.put('books', '1', { title: 'Dune' });
 * const { hits } = await client.search('books', { query: 'dune', limit: 10 });
 * ```
 * @module
 */
export { CameoClient, DEFAULT_URL, mergeSchema } from './client.js';
export type {
  CameoClientOptions,
  IndexConfigPatch,
  IngestOptions,
  KeyOptions,
  PutOptions,
} from './client.js';
export type { CallOptions, FetchFunction, RetryEvent } from './transport.js';
export { SearchHitStream } from './search-stream.js';
export type { IngestItem, IngestProgress, IngestSource } from './ndjson.js';
export {
  CameoConnectionError,
  CameoHttpError,
  CameoProtocolError,
  CameoStreamError,
  CameoTimeoutError,
  codeForStatus,
} from './errors.js';
export type { CameoHttpErrorInit } from './errors.js';
export { parseRetryAfter, retryDelayMs } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { CancelledError } from '../../messages/index.js';
export type * from './types.js';
