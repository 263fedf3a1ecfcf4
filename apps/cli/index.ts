/**
 * apps/cli: the `cameodb client ...` command line. `runClientCli(args)` runs one command
 * (or the interactive shell with `-i`) and resolves to its exit code:
 * 0 ok; 1 server error, bad usage, bad file or failed records; 2 server unreachable or timed out.
 * @module
 */
import { describeError, exitCodeFor, ExitCode } from './exit-codes.js';
import { processIo, writeLine, type CliIo } from './io.js';
import { buildProgram, clientFor, commanderExit, ReportedError, type GlobalOptions } from './program.js';
import { runShell } from './shell.js';

export type { CliIo } from './io.js';
export { ExitCode, UsageError } from './exit-codes.js';
export { completeShellLine, tokenize } from './shell.js';
export type { CompletionSource } from './shell.js';
export { SchemaDetector } from './schema-detect.js';
export * from './records/index.js';

/** Runs `cameodb client <args>`; `args` excludes the program and `client` words. */
export async function runClientCli(args: string[], io: CliIo = processIo()): Promise<number> {
  const startShell = async (options: GlobalOptions): Promise<number> => {
    const client = clientFor(options, io);
    const prefix = globalArguments(options);
    return runShell(io, client, (words) => runOnce([...prefix, ...words], io, 'cameodb>'));
  };
  return runOnce(args, io, 'cameodb client', startShell);
}

async function runOnce(
  args: string[],
  io: CliIo,
  name: string,
  startShell?: (options: GlobalOptions) => Promise<number>,
): Promise<number> {
  const context = { io, exitCode: ExitCode.Ok as number, ...(startShell ? { startShell } : {}) };
  try {
    await buildProgram(context, name).parseAsync(args, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    const commanderCode = commanderExit(error);
    if (commanderCode !== undefined) return commanderCode;
    if (error instanceof ReportedError) return exitCodeFor(error.original);
    writeLine(io.stderr, describeError(error));
    return exitCodeFor(error);
  }
}

/** The shell's own global options, repeated on each of its lines. */
function globalArguments(options: GlobalOptions): string[] {
  return [
    ...(options.connect === undefined ? [] : ['--connect', options.connect]),
    ...(options.apiKey === undefined ? [] : ['--api-key', options.apiKey]),
    ...(options.timeout === undefined ? [] : ['--timeout', options.timeout]),
    ...(options.json === true ? ['--json'] : []),
    ...(options.quiet === true ? ['--quiet'] : []),
  ];
}
