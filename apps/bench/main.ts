/**
 * Entry of the load tool: `npm run bench:server -- [options]` (tsx apps/bench/main.ts).
 * Parses the options, runs, prints the report. Ctrl-C (or SIGTERM) stops the load and a
 * spawned server; a second one stops the server at once. Exit codes: 0 done, 1 the run
 * failed, 2 bad usage, 130 interrupted.
 * @module
 */
import { BenchUsageError, benchHelp, formatJson, formatReport, parseBenchArgs, runBench } from './index.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(benchHelp());
} else {
  const controller = new AbortController();
  let interrupts = 0;
  let serverPid: number | undefined;
  // A forced exit must not leave a spawned server behind (its temporary data directory stays).
  const killServer = (): void => {
    if (serverPid === undefined) return;
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch (error) {
      // ESRCH: it is already gone. Anything else is worth a line: the server may be left running.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH')
        process.stderr.write(`bench: cannot kill server ${serverPid}: ${String(error)}\n`);
    }
  };
  process.on('exit', killServer);
  const onSignal = (): void => {
    interrupts += 1;
    process.stderr.write(interrupts === 1 ? 'bench: stopping...\n' : 'bench: exiting now\n');
    if (interrupts === 1) controller.abort();
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const options = parseBenchArgs(argv);
    const result = await runBench(options, {
      signal: controller.signal,
      log: (line) => process.stderr.write(`bench: ${line}\n`),
      serverOutput: (text) => process.stderr.write(text),
      onServerProcess: (pid) => (serverPid = pid),
    });
    process.stdout.write(options.json ? formatJson(result) : formatReport(result));
    process.exitCode = controller.signal.aborted ? 130 : 0;
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof BenchUsageError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
