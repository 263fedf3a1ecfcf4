/**
 * Exit codes of `cameodb client` and how errors map to them:
 * 0 success; 1 the server refused (4xx/5xx), bad usage, a bad file, or a load with failed
 * records; 2 the server could not be reached or did not answer in time.
 * @module
 */
import { CameoError } from '../../messages/index.js';
import { CameoConnectionError, CameoHttpError, CameoTimeoutError } from '../sdk/index.js';

/** The exit codes. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  ConnectionFailure: 2,
} as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad arguments or options. */
export class UsageError extends CameoError {
  static readonly code = 'USAGE_ERROR';
  constructor(message: string) {
    super(UsageError.code, message);
  }
}

/** The exit code an error ends the command with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CameoConnectionError || error instanceof CameoTimeoutError)
    return ExitCode.ConnectionFailure;
  return ExitCode.Failure;
}

/** A one-line description of an error for stderr. */
export function describeError(error: unknown): string {
  if (error instanceof CameoHttpError) {
    const server =
      typeof error.serverError === 'string'
        ? error.serverError
        : JSON.stringify(error.serverError ?? error.code);
    const { message, ...rest } = (
      typeof error.details === 'object' && error.details !== null ? error.details : {}
    ) as Record<string, unknown>;
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `error: ${error.status} ${server}${typeof message === 'string' ? `: ${message}` : ''}${extra}`;
  }
  if (error instanceof CameoError) return `error: ${error.code}: ${error.message}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Error) return `error: ${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
  return `error: ${String(error)}`;
}
