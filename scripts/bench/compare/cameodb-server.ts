/**
 * A throw-away CameoDB node: `node bin/cameodb.js --http-port P --data-paths DIR` with
 * default settings otherwise, a temporary data directory, readiness when
 * GET /_cluster/health answers 200, stopped with SIGTERM (graceful drain) and SIGKILL
 * after a grace period; its directory is removed afterwards.
 * @module
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { BenchSetupError } from './errors.js';
import { JsonHttpClient } from './http-json.js';
import { freePort } from './ports.js';
import type { RegisterCleanup } from './postgres-server.js';

/** A running node. */
export interface CameoServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDirectory: string;
  /** Stops the node and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a node from the repository at `repositoryRoot` and waits until it is healthy; its
 * `stop` is registered with `register` as soon as the process is spawned.
 */
export async function startCameoServer(
  logger: Logger,
  repositoryRoot: string,
  register: RegisterCleanup,
  readinessTimeoutMs = 60_000,
): Promise<CameoServer> {
  const root = await mkdtemp(join(tmpdir(), 'cameodb-compare-node-'));
  const dataDirectory = join(root, 'data');
  const logPath = join(root, 'server.log');
  const port = await freePort();
  const log = createWriteStream(logPath);
  const child = spawn(
    process.execPath,
    [join(repositoryRoot, 'bin', 'cameodb.js'), '--http-port', String(port), '--data-paths', dataDirectory],
    { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          exitedPromise.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 15_000))),
        ]);
        clearTimeout(timer);
        if (!graceful) {
          logger.warn({ pid: child.pid }, 'cameodb did not stop within 15 s of SIGTERM; killing it');
          child.kill('SIGKILL');
          await exitedPromise;
        }
      }
      log.end();
      await rm(root, { recursive: true, force: true });
    })();
    return stopped;
  };

  // Registered as soon as the process exists, so a signal during startup stops it too.
  register('cameodb node', stop);
  const client = new JsonHttpClient('127.0.0.1', port, 1, 2_000);
  try {
    if (child.pid === undefined) throw new BenchSetupError('cannot spawn the cameodb node');
    const deadline = Date.now() + readinessTimeoutMs;
    for (;;) {
      if (exited) throw new BenchSetupError(`cameodb exited during startup (exit code ${child.exitCode})`);
      const healthy = await client.send('GET', '/_cluster/health').then(
        (reply) => reply.status === 200,
        () => false, // not listening yet: keep polling until the deadline
      );
      if (healthy) break;
      if (Date.now() > deadline)
        throw new BenchSetupError(`cameodb not healthy within ${readinessTimeoutMs} ms`);
      await sleep(200);
    }
    logger.info({ port, pid: child.pid, dataDirectory }, 'cameodb started');
    return { host: '127.0.0.1', port, pid: child.pid, dataDirectory, stop };
  } catch (error) {
    const serverLog = await readFile(logPath, 'utf8').catch(() => '');
    if (serverLog !== '') logger.error({ serverLog: serverLog.slice(-2000) }, 'cameodb server log');
    await stop().catch((stopError: unknown) =>
      logger.error({ err: stopError }, 'cleanup after failed start'),
    );
    throw error;
  } finally {
    client.close();
  }
}
