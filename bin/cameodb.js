#!/usr/bin/env node
// The `cameodb` command. With NODE_ENV=production (after `npm run build`), or in a package
// shipped without its TypeScript sources, it runs the compiled code in dist/; otherwise it
// runs the sources through tsx, so a stale dist/ never shadows the code being worked on.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'apps', 'main.js');
const source = join(root, 'apps', 'main.ts');
const useCompiled = existsSync(compiled) && (process.env.NODE_ENV === 'production' || !existsSync(source));
if (useCompiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
