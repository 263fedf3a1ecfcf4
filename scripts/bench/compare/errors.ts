/**
 * Errors of the comparison harness. They extend CameoError so they carry a stable `code`
 * like every other error in the project; they never cross the wire, so they are not
 * registered in messages/.
 * @module
 */
import { CameoError } from '../../../messages/index.js';
import type { CameoErrorOptions } from '../../../messages/index.js';

/** Starting or preparing a system under test failed (install, initdb, start, readiness, schema). */
export class BenchSetupError extends CameoError {
  static readonly code = 'BENCH_SETUP_FAILED';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(BenchSetupError.code, message, options);
  }
}

/** A request of a workload failed (non-2xx HTTP status, SQL error, unexpected reply shape). */
export class BenchRequestError extends CameoError {
  static readonly code = 'BENCH_REQUEST_FAILED';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(BenchRequestError.code, message, options);
  }
}

/** The command line or the corpus was not usable. */
export class BenchInputError extends CameoError {
  static readonly code = 'BENCH_INPUT_INVALID';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(BenchInputError.code, message, options);
  }
}

/** A read-your-writes probe did not find its document before the deadline. */
export class VisibilityTimeoutError extends CameoError {
  static readonly code = 'BENCH_VISIBILITY_TIMEOUT';
  constructor(message: string, options: CameoErrorOptions = {}) {
    super(VisibilityTimeoutError.code, message, options);
  }
}
