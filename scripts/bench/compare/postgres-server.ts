/**
 * A throw-away PostgreSQL 15 server: initdb into a temporary directory, started on
 * 127.0.0.1 and a free port with the default durability (fsync and synchronous_commit on,
 * checked after start), stopped with `pg_ctl stop` (smart, then fast) and its directory removed.
 * PostgreSQL refuses to run as root, so under root every server command runs as the
 * `postgres` system user through runuser (the Debian package creates that user).
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { BenchSetupError } from './errors.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** Where Debian's postgresql-15 package puts the server binaries. */
export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';

/** A running throw-away server. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly dataDirectory: string;
  /** Stops the server and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/** Installs postgresql-15 from Debian when its binaries are missing (needs root). */
export async function ensurePostgresInstalled(logger: Logger): Promise<void> {
  if (existsSync(join(POSTGRES_BIN_DIR, 'pg_ctl'))) return;
  if (process.getuid?.() !== 0) {
    throw new BenchSetupError(
      `PostgreSQL 15 is not installed (${POSTGRES_BIN_DIR}/pg_ctl missing); run: apt-get install -y postgresql-15`,
    );
  }
  logger.info('installing postgresql-15 with apt-get');
  try {
    await run('apt-get', ['update'], { maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', 'postgresql-15'], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (cause) {
    throw new BenchSetupError('apt-get install postgresql-15 failed', { cause });
  }
}

/** Runs a server binary, as the postgres user when we are root. */
async function runServerCommand(binary: string, args: readonly string[]): Promise<string> {
  const path = join(POSTGRES_BIN_DIR, binary);
  const [command, commandArgs] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  try {
    const { stdout } = await run(command, commandArgs, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (cause) {
    const stderr = (cause as { stderr?: unknown }).stderr;
    throw new BenchSetupError(`${binary} ${args.join(' ')} failed`, {
      cause,
      details: { stderr: typeof stderr === 'string' ? stderr.slice(-2000) : undefined },
    });
  }
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch (cause) {
    throw new BenchSetupError(
      'running as root needs the `postgres` system user (useradd --system postgres)',
      {
        cause,
      },
    );
  }
}

/** Registers something to stop at exit, on failure or on a signal (CleanupStack.push). */
export type RegisterCleanup = (name: string, close: () => Promise<void>) => void;

/**
 * Creates and starts a server. Its `stop` is registered before anything is started, so a
 * signal that arrives mid-start still stops the server (after the start step under way has
 * settled) and removes the directory. `stop` is idempotent; if starting fails, whatever was
 * created is removed before the error propagates.
 */
export async function startPostgres(logger: Logger, register: RegisterCleanup): Promise<PostgresServer> {
  await ensurePostgresInstalled(logger);
  const root = await mkdtemp(join(tmpdir(), 'cameodb-compare-pg-'));
  const dataDirectory = join(root, 'data');
  const user = 'bench';
  const database = 'postgres';
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      try {
        // A stop requested mid-start waits for the step under way (initdb or pg_ctl start)
        // to settle; its failure, if any, is reported by the start path.
        await Promise.allSettled([launch]);
        if (existsSync(join(dataDirectory, 'postmaster.pid'))) {
          // Smart first: it waits for the sessions our pool just closed to finish, so no
          // client sees "terminating connection"; fast if one lingers.
          await runServerCommand('pg_ctl', [
            '-D',
            dataDirectory,
            '-m',
            'smart',
            '-w',
            '-t',
            '20',
            'stop',
          ]).catch((error: unknown) => {
            logger.warn({ err: error }, 'smart shutdown timed out; using fast shutdown');
            return runServerCommand('pg_ctl', ['-D', dataDirectory, '-m', 'fast', '-w', '-t', '60', 'stop']);
          });
        }
      } catch (error) {
        // pg_ctl could not stop it: kill the postmaster directly so nothing outlives the run.
        const pid = await postmasterPid(dataDirectory);
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGQUIT');
          } catch (killError) {
            logger.warn({ err: killError, pid }, 'cannot signal the postmaster (already gone?)');
          }
        }
        throw error;
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    })();
    return stopped;
  };

  // Declared after `stop` (which only runs once this exists: it is registered below).
  const launch = (async () => {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await postgresUserIds();
      await chown(root, uid, gid);
    }
    // --no-sync only skips flushing the freshly written template files at the end of
    // initdb; the running server's durability settings are untouched (checked by the target).
    await runServerCommand('initdb', [
      '-D',
      dataDirectory,
      '-U',
      user,
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    const port = await freePort();
    const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c max_connections=100`;
    await runServerCommand('pg_ctl', [
      '-D',
      dataDirectory,
      '-l',
      join(root, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      serverOptions,
      'start',
    ]);
    return port;
  })();
  register('postgres server', stop);
  try {
    const port = await launch;
    logger.info({ port, dataDirectory }, 'postgres started');
    return { host: '127.0.0.1', port, user, database, dataDirectory, stop };
  } catch (error) {
    const log = await readFile(join(root, 'server.log'), 'utf8').catch(() => '');
    await stop().catch((stopError: unknown) =>
      logger.error({ err: stopError }, 'cleanup after failed start'),
    );
    if (log !== '') logger.error({ serverLog: log.slice(-2000) }, 'postgres server log');
    throw error;
  }
}

async function postmasterPid(dataDirectory: string): Promise<number | undefined> {
  const text = await readFile(join(dataDirectory, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
