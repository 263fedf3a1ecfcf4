/**
 * The actor runtime's public face (re-exported by actors/index.ts).
 *
 * ```
 * createActorSystem ─ ActorSystem ── registry (names -> refs), metrics (prom-client), logger (pino)
 *                          │           DeadlineTimers: one timer for every ask and handler deadline
 *                          └─ ActorCell (one per actor; a tree: parent -> children)
 *                               ├─ mailbox: a nact actor (queue + scheduling), bounded by the cell
 *                               ├─ dispatch: serial or N handlers in flight, per-message deadline
 *                               └─ supervision: resume | restart | stop | escalate, restart window
 * LocalActorRef.ask ─ PendingAsk (correlation, deadline, AbortSignal) ─ Delivery ─ RunningMessage
 * createWorkerPool ─ piscina ─ worker-entry (loads the task module; tsx inside the worker for .ts)
 * ```
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
export { isCrash } from './crash-rule.js';
export {
  createWorkerPool,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolSnapshot,
  type WorkerTaskOptions,
} from './worker-pool.js';
export {
  currentThreadTask,
  readThreadNice,
  setCurrentThreadNice,
  startThreadPoolHere,
  type ThreadPriorityOutcome,
  type ThreadTask,
} from './thread-priority.js';
export { sleep } from './sleep.js';
