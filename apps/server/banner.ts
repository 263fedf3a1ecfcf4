/**
 * The human-readable startup banner (written to stderr so stdout stays pure JSON logs).
 * @module
 */
import type { ServerConfig } from './config.js';

/** What the banner shows. */
export interface BannerFacts {
  readonly version: string;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly url: string;
  readonly config: ServerConfig;
}

/** The banner text, one fact per line. */
export function startupBanner(facts: BannerFacts): string {
  const { config } = facts;
  const cluster = config.cluster.enabled
    ? `enabled on ${config.cluster.bindAddress}:${config.cluster.port}` +
      (config.cluster.seedNodes.length > 0
        ? `, seeds ${config.cluster.seedNodes.join(', ')}`
        : ' (first node)')
    : 'disabled (single node)';
  const rows: Array<[string, string]> = [
    ['version', facts.version],
    ['node', `${facts.nodeName} (${facts.nodeId})`],
    ['http', facts.url],
    ['data', `${config.storage.dataPaths.join(', ')} (${config.storage.shards} shards)`],
    ['cluster', cluster],
    ['log level', config.log.level],
  ];
  const lines = rows.map(([label, value]) => `  ${label.padEnd(10)} ${value}`);
  return ['', '  CameoDB: documents and full-text search in one database', ...lines, ''].join('\n') + '\n';
}
