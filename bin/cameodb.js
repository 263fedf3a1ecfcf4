#!/usr/bin/env node
// The `cameodb` command. Runs the compiled code in dist/ when it exists (production),
// otherwise the TypeScript sources through tsx (development, and a fresh clone).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'apps', 'main.js');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'apps', 'main.ts')).href);
}
