/**
 * CameoDB's SQLite extension (storage/native/cameo_bm25.c): `cameo_bm25`, FTS5's bm25()
 * with corpus statistics given by the caller, so a document scores the same whichever
 * shard or node holds it. The library is compiled by `npm install` (postinstall runs
 * scripts/native/build-native.mjs); when it is missing or older than its source (a fresh
 * checkout, an edited source) the first connection builds it the same way.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { StorageError } from '../messages/index.js';

/** The package root: the nearest folder above this module holding the extension's source. */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(folder, 'storage', 'native', 'cameo_bm25.c'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new StorageError('cannot find storage/native/cameo_bm25.c above ' + folder);
    folder = parent;
  }
}

let libraryPath: string | undefined;

/** The compiled library, built first when missing or stale. */
function rankingLibrary(): string {
  if (libraryPath !== undefined) return libraryPath;
  const root = packageRoot();
  const source = join(root, 'storage', 'native', 'cameo_bm25.c');
  const library = join(root, 'storage', 'native', 'build', 'cameo_bm25.so');
  if (!existsSync(library) || statSync(library).mtimeMs < statSync(source).mtimeMs) {
    const builder = join(root, 'scripts', 'native', 'build-native.mjs');
    const result = spawnSync(process.execPath, [builder], { encoding: 'utf8' });
    if (result.status !== 0 || !existsSync(library)) {
      throw new StorageError(
        `the SQLite ranking extension is missing and could not be built (run \`npm install\`, which needs a C compiler): ${result.stderr || result.error?.message || ''}`.trim(),
      );
    }
  }
  libraryPath = library;
  return library;
}

/** Loads `cameo_bm25` into a connection. Throws StorageError when it cannot. */
export function loadRankingExtension(db: Database.Database): void {
  try {
    // SQLite derives the entry point from the file name: sqlite3_cameobm_init.
    db.loadExtension(rankingLibrary());
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(`cannot load the SQLite ranking extension: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
