/**
 * Entry of the `cameodb` command: dispatches to the server (default), `generate-config`,
 * `check-config` or the client CLI (`cameodb client ...`).
 * @module
 */
import '../transport/polyfills.js';
import { packageVersion } from './package-version.js';
import { createNode, runCommand } from './server/index.js';

const code = await runCommand(process.argv.slice(2), {
  version: packageVersion(),
  createNode,
  // The client CLI (commander, progress bars, tables) is loaded only for `cameodb client`.
  runClient: async (args) => (await import('./cli/index.js')).runClientCli(args),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (exitCode) => process.exit(exitCode),
  signals: process,
});
// null: the server is running; the process lives until a signal stops it.
if (code !== null) process.exitCode = code;
