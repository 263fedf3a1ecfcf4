/**
 * The package's public entry (`import { CameoClient } from 'cameodb'`): the TypeScript SDK.
 * @module
 */
export * from './apps/sdk/index.js';
