/**
 * The package's version, read from the nearest package.json above this file, so the same
 * code works from the TypeScript sources (apps/) and from the compiled build (dist/apps/).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `version` of the nearest package.json at or above `fromUrl`'s folder. */
export function packageVersion(fromUrl: string = import.meta.url): string {
  let folder = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'cameodb' && typeof parsed.version === 'string') return parsed.version;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no cameodb package.json above ${fileURLToPath(fromUrl)}`);
    folder = parent;
  }
}
