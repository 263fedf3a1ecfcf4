/**
 * The server configuration: its schema (zod), defaults, and the table of every setting
 * with its file key, environment variable and flag. One table drives the flag parser,
 * the environment reader, `generate-config` and the error messages, so they cannot drift.
 * Precedence: flag > environment (CAMEODB_*) > config file > defaults.
 * @module
 */
import { hostname } from 'node:os';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PSK_PATTERN = /^[0-9a-fA-F]{64}$/;
const HOST_PORT_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const MULTIADDR_PATTERN = /^(\/[A-Za-z0-9_.:-]+)+$/;

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const host = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9.:-]+$/, 'expected an IP address or host name');

/** The schema of the whole server configuration, after merging every source. */
export const serverConfigSchema = z.strictObject({
  node: z.strictObject({
    /** Human-readable name of this node (the id is a UUID kept in the data directory). */
    name: z.string().min(1).max(128),
  }),
  http: z.strictObject({
    port,
    bindAddress: host,
    maxBodyBytes: positiveInt,
    maxInFlightRequests: positiveInt,
    requestTimeoutMs: positiveInt,
    retryAfterSeconds: positiveInt,
    maxResultWindow: positiveInt,
    maxBulkItems: positiveInt,
    streamBatchSize: positiveInt.max(100_000),
    maxLineBytes: positiveInt,
    shutdownTimeoutMs: positiveInt,
  }),
  storage: z.strictObject({
    dataPaths: z.array(z.string().min(1)).min(1),
    shards: z.number().int().min(1).max(1024),
    writerThreads: z.number().int().min(1).max(64),
    readerThreads: z.number().int().min(1).max(64),
    readerIdleTimeoutMs: positiveInt,
    writerNice: z.number().int().min(0).max(19),
  }),
  log: z.strictObject({ level: z.enum(LOG_LEVELS) }),
  cluster: z
    .strictObject({
      enabled: z.boolean(),
      port,
      bindAddress: host,
      seedNodes: z.array(
        z
          .string()
          .refine(
            (value) => MULTIADDR_PATTERN.test(value) || HOST_PORT_PATTERN.test(value),
            'expected a multiaddr (/ip4/10.0.0.1/tcp/9580/p2p/...) or host:port',
          ),
      ),
      psk: z.string().regex(PSK_PATTERN, 'expected 64 hexadecimal characters (a 32-byte key)').optional(),
      pskFile: z.string().min(1).optional(),
    })
    .refine((cluster) => !(cluster.psk !== undefined && cluster.pskFile !== undefined), {
      message: 'set either cluster.psk or cluster.psk_file, not both',
      path: ['psk'],
    }),
});

/** The validated server configuration. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** How a setting's text (from a flag or the environment) becomes a value. */
type SettingKind = 'string' | 'integer' | 'boolean' | 'list';

/** One configurable setting. */
export interface Setting {
  /** Path in ServerConfig, e.g. `http.bindAddress`. */
  readonly path: readonly [string, string];
  /** Key in the config file, e.g. `http.bind_address`. */
  readonly fileKey: string;
  /** Command-line flag without dashes, e.g. `http-bind-address`; absent for file/env-only settings. */
  readonly flag?: string;
  /** Environment variable. */
  readonly env: string;
  readonly kind: SettingKind;
  /** Default value, or a function of the environment (node name defaults to the host name). */
  readonly defaultValue: unknown;
  readonly description: string;
}

function setting(
  path: `${string}.${string}`,
  kind: SettingKind,
  defaultValue: unknown,
  description: string,
  flag: string | false = path.replace('.', '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
): Setting {
  const [section = '', key = ''] = path.split('.');
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return {
    path: [section, key],
    fileKey: `${section}.${snake}`,
    ...(flag === false ? {} : { flag }),
    env: `CAMEODB_${section.toUpperCase()}_${snake.toUpperCase()}`,
    kind,
    defaultValue,
    description,
  };
}

/** Every setting, in the order `generate-config` prints them. */
export const SETTINGS: readonly Setting[] = [
  setting('node.name', 'string', undefined, 'Human-readable node name (defaults to the host name).'),
  setting('http.port', 'integer', 9480, 'HTTP port (0 picks a free port).'),
  setting('http.bindAddress', 'string', '127.0.0.1', 'HTTP bind address (0.0.0.0 for all interfaces).'),
  setting(
    'http.maxBodyBytes',
    'integer',
    10 * 1024 * 1024,
    'Largest accepted request body after decompression (413 above); the NDJSON stream endpoint is limited per line instead.',
    'max-body-bytes',
  ),
  setting(
    'http.maxInFlightRequests',
    'integer',
    512,
    'Requests served at once; above it the gateway answers 503 with Retry-After.',
    'max-in-flight-requests',
  ),
  setting(
    'http.requestTimeoutMs',
    'integer',
    30_000,
    'Deadline of one request (for NDJSON ingest: of each batch); past it the gateway answers 503.',
    'request-timeout-ms',
  ),
  setting(
    'http.retryAfterSeconds',
    'integer',
    1,
    'Value of the Retry-After header on 503 answers.',
    'retry-after-seconds',
  ),
  setting(
    'http.maxResultWindow',
    'integer',
    10_000,
    'Largest limit + offset of a search (400 above).',
    'max-result-window',
  ),
  setting(
    'http.maxBulkItems',
    'integer',
    10_000,
    'Largest number of items in one _bulk or _bulk/delete request (400 above).',
    'max-bulk-items',
  ),
  setting(
    'http.streamBatchSize',
    'integer',
    1_000,
    'Documents per micro-batch of the NDJSON ingest stream.',
    'stream-batch-size',
  ),
  setting(
    'http.maxLineBytes',
    'integer',
    1024 * 1024,
    'Longest accepted line of an NDJSON ingest stream (longer lines are reported as errors).',
    'max-line-bytes',
  ),
  setting(
    'http.shutdownTimeoutMs',
    'integer',
    10_000,
    'How long a graceful shutdown waits for in-flight requests.',
    'shutdown-timeout-ms',
  ),
  setting(
    'storage.dataPaths',
    'list',
    ['./data'],
    'Data directories (comma-separated on the command line and in the environment).',
    'data-paths',
  ),
  setting(
    'storage.shards',
    'integer',
    4,
    'Microshards on this node (used when the data directory is new).',
    'shards',
  ),
  setting(
    'storage.writerThreads',
    'integer',
    2,
    'Writer threads shared by the shards (shard i writes on thread i mod N); more than the cores only costs memory.',
    'writer-threads',
  ),
  setting(
    'storage.readerThreads',
    'integer',
    2,
    'Reader threads shared by the shards, for get and search beside the writers.',
    'reader-threads',
  ),
  setting(
    'storage.readerIdleTimeoutMs',
    'integer',
    300_000,
    'Reader threads start on the first read and stop after this long without work, so an idle node keeps none (about 24 MiB each).',
    'reader-idle-timeout-ms',
  ),
  setting(
    'storage.writerNice',
    'integer',
    10,
    'Scheduling niceness (0-19) of the writer threads on Linux, so searches and HTTP keep a share of the CPU during bulk loads; 0 leaves them alone.',
    'writer-nice',
  ),
  setting('log.level', 'string', 'info', `Log level: ${LOG_LEVELS.join(', ')}.`, 'log-level'),
  setting(
    'cluster.enabled',
    'boolean',
    false,
    'Join a cluster: listen on cluster.port and dial the seed nodes (see docs/CLUSTER.md).',
  ),
  setting('cluster.port', 'integer', 9580, 'Cluster (libp2p) port.'),
  setting('cluster.bindAddress', 'string', '127.0.0.1', 'Cluster bind address.'),
  setting(
    'cluster.seedNodes',
    'list',
    [],
    'Seed nodes: multiaddrs or host:port, comma-separated.',
    'seed-nodes',
  ),
  setting(
    'cluster.psk',
    'string',
    undefined,
    'Pre-shared key of a private cluster: 64 hex characters. Prefer psk_file.',
    'cluster-psk',
  ),
  setting('cluster.pskFile', 'string', undefined, 'File holding the pre-shared key.', 'cluster-psk-file'),
];

// The env names derived above read oddly for two settings; fix them to the documented names.
const ENV_OVERRIDES: Record<string, string> = {
  'storage.dataPaths': 'CAMEODB_DATA_PATHS',
  'storage.shards': 'CAMEODB_SHARDS',
};

/** The environment variable of a setting. */
export function envName(item: Setting): string {
  return ENV_OVERRIDES[item.path.join('.')] ?? item.env;
}

/** The default configuration (node name = host name). */
export function defaultConfig(): ServerConfig {
  const raw: Record<string, Record<string, unknown>> = {};
  for (const item of SETTINGS) {
    const [section, key] = item.path;
    raw[section] ??= {};
    const value = item.path.join('.') === 'node.name' ? hostname() || 'cameodb' : item.defaultValue;
    if (value !== undefined) raw[section][key] = value;
  }
  return serverConfigSchema.parse(raw);
}
