/**
 * Everything the harness starts is registered here and stopped in reverse order: on
 * normal exit (the caller's `finally`), on failure, and on SIGINT/SIGTERM. Each closer
 * runs at most once, so a signal during the `finally` does not stop things twice.
 * @module
 */
import type { Logger } from 'pino';

type Closer = { readonly name: string; readonly close: () => Promise<void> };

/** A stack of closers with signal handlers that drain it. */
export class CleanupStack {
  private readonly closers: Closer[] = [];
  private draining: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.logger.warn({ signal }, 'signal received: stopping everything the benchmark started');
    void this.drain().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  constructor(private readonly logger: Logger) {}

  /** Installs SIGINT/SIGTERM handlers that drain the stack and exit. */
  installSignalHandlers(): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Registers something to stop; the last registered is stopped first. */
  push(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  /** Stops everything registered (once); a failing closer is logged and the others still run. */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      for (let closer = this.closers.pop(); closer !== undefined; closer = this.closers.pop()) {
        try {
          await closer.close();
          this.logger.info({ what: closer.name }, 'stopped');
        } catch (error) {
          this.logger.error({ what: closer.name, err: error }, 'failed to stop');
        }
      }
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    })();
    return this.draining;
  }
}
