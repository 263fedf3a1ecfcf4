/**
 * Errors of the CLI's file readers. A `DataFormatError` stops the whole file (it cannot be
 * read further); a bad record is not an error object but a `SourceRecord` with `error`, so
 * the load goes on and reports it with its line number.
 * @module
 */
import { CameoError } from '../../../messages/index.js';

/** The file cannot be read as the chosen format from this point on. */
export class DataFormatError extends CameoError {
  static readonly code = 'DATA_FORMAT_ERROR';
  /** 1-based line where reading stopped. */
  readonly line: number;
  constructor(message: string, line: number) {
    super(DataFormatError.code, `line ${line}: ${message}`, { details: { line } });
    this.line = line;
  }
}
