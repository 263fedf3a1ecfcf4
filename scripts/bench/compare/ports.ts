/**
 * A free TCP port on 127.0.0.1, chosen by the kernel. There is a small window between
 * closing the probe and the server binding the port; the servers we start fail loudly
 * if the port was taken meanwhile.
 * @module
 */
import { createServer } from 'node:net';
import { BenchSetupError } from './errors.js';

/** Asks the kernel for a free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (cause) => reject(new BenchSetupError('cannot find a free port', { cause })));
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      probe.close(() =>
        port === undefined ? reject(new BenchSetupError('probe socket has no port')) : resolve(port),
      );
    });
  });
}
