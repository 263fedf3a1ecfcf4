/**
 * Errors of the load tool. They never cross the wire, so they are not registered with the
 * message codec; they carry stable codes so scripts can tell usage mistakes from a target
 * that could not be set up.
 * @module
 */
import { CameoError, type CameoErrorOptions } from '../../messages/index.js';

/** Bad command-line arguments or options. */
export class BenchUsageError extends CameoError {
  static readonly code = 'BENCH_USAGE_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(BenchUsageError.code, message, options);
  }
}

/** The corpus, the server or the index could not be prepared for a run. */
export class BenchSetupError extends CameoError {
  static readonly code = 'BENCH_SETUP_ERROR';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(BenchSetupError.code, message, options);
  }
}
