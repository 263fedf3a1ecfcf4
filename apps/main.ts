/**
 * Entry of the `cameodb` command: dispatches to the server (default) or the client CLI.
 * @module
 */
import '../transport/polyfills.js';
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  process.stdout.write(`cameodb ${packageJson.version}\n`);
} else {
  process.stdout.write(`cameodb ${packageJson.version}: the server is not built yet; see README.md\n`);
}
