/**
 * Spawns `fixtures/peer.ts` as a real child process (node + tsx) and reads its address line.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running child peer. */
export interface ChildPeer {
  readonly process: ChildProcess;
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  /** Kills the child (SIGKILL unless told otherwise) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const fixture = fileURLToPath(new URL('../fixtures/peer.ts', import.meta.url));

/** Starts a child peer with the given fixture config; rejects if it does not come up in 20 s. */
export async function spawnChildPeer(config: Record<string, unknown>): Promise<ChildPeer> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const exited = once(child, 'exit');
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (signal === 'SIGSTOP') return;
    }
    if (child.exitCode === null && child.signalCode === null) await exited;
    child.stdin?.destroy();
  };
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const [line] = (await Promise.race([
      once(lines, 'line'),
      exited.then(() => {
        throw new Error('child peer exited before it was ready');
      }),
    ])) as [string];
    const ready = JSON.parse(line) as { peerId: string; multiaddrs: string[] };
    return { process: child, peerId: ready.peerId, multiaddrs: ready.multiaddrs, kill };
  } catch (error) {
    await kill();
    throw error;
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}
