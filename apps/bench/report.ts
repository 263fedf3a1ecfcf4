/**
 * Printing a BenchResult: a human table (cli-table3) or one JSON object (`--json`).
 * @module
 */
import Table from 'cli-table3';
import type { KindReport } from './recorder.js';
import type { BenchResult } from './run.js';

function kindTable(title: string, reports: readonly KindReport[]): string {
  const table = new Table({
    style: { head: [], border: [] },
    head: [
      title,
      'ops',
      'ops/s',
      'docs|queries/s',
      'failed',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
    ],
  });
  for (const report of reports) {
    const l = report.latencyMs;
    table.push([
      report.kind,
      report.operations,
      report.operationsPerSecond,
      report.unitsPerSecond,
      report.failed + (report.itemErrors > 0 ? ` (+${report.itemErrors} items)` : ''),
      l.p50,
      l.p90,
      l.p99,
      l.p999,
      l.max,
    ]);
  }
  return table.toString();
}

/** The human-readable report. */
export function formatReport(result: BenchResult): string {
  const lines: string[] = [];
  const loop =
    result.loop === 'closed'
      ? `closed loop, ${result.concurrency} clients`
      : `open loop, ${result.ratePerSecond} ops/s (latency from the scheduled send time)`;
  lines.push(`mode ${result.mode}, ${loop}, ${(result.stats.elapsedMs / 1000).toFixed(1)} s measured`);
  lines.push(
    `machine: ${result.machine.cpus} cpus, ${result.machine.memoryGiB} GiB, node ${result.machine.node}, ` +
      `load average ${result.machine.loadAverageBefore.join(' ')} before, ${result.machine.loadAverageAfter.join(' ')} after`,
  );
  const server = result.server;
  lines.push(
    `server ${server.url}${server.spawned ? ' (spawned)' : ''}` +
      (server.rssAfterStartMiB === undefined ? '' : `, idle RSS after start ${server.rssAfterStartMiB} MiB`) +
      (server.rssAfterRunMiB === undefined ? '' : `, RSS after run ${server.rssAfterRunMiB} MiB`),
  );
  if (result.preload !== undefined)
    lines.push(
      result.preload.skipped
        ? `preload skipped: the index already holds ${result.preload.documents} documents`
        : `preload: ${result.preload.documents} documents in ${result.preload.seconds.toFixed(1)} s (${result.preload.documentsPerSecond} docs/s)`,
    );
  lines.push(kindTable('measured', result.results));
  const operations = result.results.reduce((sum, report) => sum + report.operations, 0);
  if (server.cpuSecondsMeasured !== undefined && operations > 0)
    lines.push(
      `server CPU ${server.cpuSecondsMeasured} s (${((server.cpuSecondsMeasured * 1000) / operations).toFixed(3)} ms per operation), ` +
        `load tool CPU ${result.clientCpuSecondsMeasured} s (${((result.clientCpuSecondsMeasured * 1000) / operations).toFixed(3)} ms per operation)` +
        (result.background === undefined ? '' : ' (server CPU includes the background load)'),
    );
  if (result.loop === 'open') {
    lines.push(
      `max send lag ${result.stats.maxSendLagMs.toFixed(1)} ms; service time (from the actual send):`,
    );
    for (const report of result.results)
      lines.push(
        `  ${report.kind}: p50 ${report.serviceTimeMs.p50} p99 ${report.serviceTimeMs.p99} p99.9 ${report.serviceTimeMs.p999} ms`,
      );
  }
  if (result.background !== undefined) lines.push(kindTable('background', result.background));
  for (const report of [...result.results, ...(result.background ?? [])]) {
    const errors = Object.entries(report.errorsByStatus);
    if (errors.length > 0)
      lines.push(`${report.kind} errors: ${errors.map(([key, count]) => `${key} x${count}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON report (one line). */
export function formatJson(result: BenchResult): string {
  return `${JSON.stringify(result)}\n`;
}
