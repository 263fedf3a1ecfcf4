/**
 * messages/: typed messages, their msgpack wire format, the tag registry, branded ids and
 * serialisable errors. Everything other folders use from here is exported below.
 * @module
 */
export * from './ids.js';
export * from './errors.js';
export * from './registry.js';
export * from './codec.js';
export * from './common.js';
export * from './protocol.js';
export * from './error-message.js';
export * from './shard-protocol.js';
export * from './client-protocol.js';
export * from './coordinator-protocol.js';
export * from './example-protocol.js';
export * from './cluster-protocol.js';
