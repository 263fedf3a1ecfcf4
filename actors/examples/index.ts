/**
 * Example actors: small, complete actors that show the recipe of docs/ADDING_AN_ACTOR.md.
 * @module
 */
export * from './key-value-cache-actor.js';
