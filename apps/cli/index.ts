/**
 * apps/cli: the `cameodb client` command. Placeholder until the client CLI lands; it
 * exists so the command dispatcher type-checks and says clearly that it is missing.
 * @module
 */

/** Runs `cameodb client <args>` and resolves with the process exit code. */
export function runClientCli(args: string[]): Promise<number> {
  process.stderr.write(`cameodb client: not built yet (arguments: ${args.join(' ') || 'none'})\n`);
  return Promise.resolve(1);
}
