/**
 * The actor runtime's public face (re-exported by actors/index.ts).
 * @module
 */
export {
  createActorSystem,
  type ActorSystem,
  type ActorSystemOptions,
  type ActorSystemSnapshot,
  type ActorSystemStatus,
} from './actor-system.js';
export {
  CrashPolicy,
  defineActor,
  type ActorContext,
  type ActorDefinition,
  type Concurrency,
  type DispatchSettings,
  type MessageContext,
  type MessageHandler,
  type MessageHandlers,
  type RestartLimit,
  type SpawnOptions,
  type Supervision,
} from './actor-definition.js';
export type { ActorRegistry, AnyActorRef } from './actor-registry.js';
export type { ActorSnapshot } from './actor-metrics.js';
export { LocalActorRef } from './local-ref.js';
export {
  createWorkerPool,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolSnapshot,
  type WorkerTaskOptions,
} from './worker-pool.js';
