/**
 * The CameoDB load tool (apps/bench): drives a server over HTTP from its own process with
 * write, bulk, search or mixed load, in a closed loop (N clients as fast as possible) or an
 * open loop (a fixed arrival rate, latency from the scheduled send time), and reports
 * throughput, errors by status and p50/p90/p99/p99.9 from a log-linear histogram.
 *
 *   main.ts ── options.ts (commander) ── run.ts ─┬─ server-child.ts (--spawn-server, RSS)
 *                                                ├─ corpus.ts (Debian JSONL, built from apt)
 *                                                ├─ workloads.ts ── http-target.ts
 *                                                ├─ load-loops.ts ── recorder.ts ── histogram.ts
 *                                                └─ report.ts
 * @module
 */
export { LatencyHistogram, type HistogramSummary } from './histogram.js';
export { LoadRecorder, type KindReport, type Operation, type OperationOutcome } from './recorder.js';
export {
  monotonicClock,
  runClosedLoop,
  runOpenLoop,
  type Clock,
  type ClosedLoopOptions,
  type LoopStats,
  type OpenLoopOptions,
} from './load-loops.js';
export {
  createHttpTarget,
  errorCodeOf,
  type HttpAnswer,
  type HttpTarget,
  type HttpTargetOptions,
} from './http-target.js';
export { DEBIAN_SCHEMA, loadCorpus, parseCorpus, type CorpusDocument } from './corpus.js';
export {
  createWorkload,
  OPERATION_KINDS,
  QUERY_KINDS,
  queryGenerator,
  seededRandom,
  weightedPicker,
  type OperationKind,
  type QueryKind,
  type Weights,
  type Workload,
  type WorkloadOptions,
} from './workloads.js';
export {
  benchHelp,
  DEFAULT_CORPUS_PATH,
  MODES,
  parseBenchArgs,
  parseCount,
  parseDuration,
  parseWeights,
  type BenchOptions,
  type Mode,
  type TargetOption,
} from './options.js';
export {
  residentMemoryMiB,
  spawnServer,
  REPOSITORY_ROOT,
  type SpawnedServer,
  type SpawnServerOptions,
} from './server-child.js';
export { runBench, type BenchResult, type RunHooks } from './run.js';
export { formatJson, formatReport } from './report.js';
export { BenchSetupError, BenchUsageError } from './errors.js';
