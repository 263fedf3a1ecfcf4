/**
 * The `cameodb` command line: the default command starts the server; `generate-config`,
 * `check-config <file>` and `client ...` are subcommands. Flags are generated from the
 * settings table, so every setting has one documented flag, env variable and file key.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { CameoError, errorMessage } from '../../messages/index.js';
import { startupBanner } from './banner.js';
import { SETTINGS, envName } from './config.js';
import { ConfigError, loadConfig } from './config-loader.js';
import { generateConfigToml } from './config-template.js';
import { createLogger } from './logger.js';
import type { NodeFactory } from './node-handle.js';
import { startServer, type RunningServer } from './server.js';

/** What the command needs from its surroundings (injected so tests run it in-process). */
export interface CommandDependencies {
  readonly version: string;
  readonly createNode: NodeFactory;
  /** Runs `cameodb client <args>`; resolves with the exit code. */
  readonly runClient: (args: string[]) => Promise<number>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Called after a signal-triggered shutdown; `process.exit` in production. */
  readonly exit: (code: number) => void;
  /** Where SIGTERM/SIGINT handlers go; `process` in production. */
  readonly signals: Pick<NodeJS.Process, 'once'>;
  /** Receives the running server (tests use it to stop the server). */
  readonly onStarted?: (server: RunningServer) => void;
}

/** Flag name to commander's attribute name (`http-port` -> `httpPort`). */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function describeFlag(description: string, env: string, defaultValue: unknown): string {
  const shown = defaultValue === undefined ? '' : `; default ${JSON.stringify(defaultValue)}`;
  return `${description} [env ${env}${shown}]`;
}

/**
 * Runs the command. Resolves with an exit code, or with `null` when the server is running
 * (the process then lives until a signal stops it).
 */
export async function runCommand(argv: readonly string[], deps: CommandDependencies): Promise<number | null> {
  if (argv[0] === 'client') return deps.runClient(argv.slice(1));
  let result: Promise<number | null> = Promise.resolve(0);
  const program = new Command('cameodb')
    .description('CameoDB: a durable document store and full-text search engine in one database.')
    .version(deps.version, '-V, --version')
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    })
    .exitOverride()
    .option('-c, --config <file>', 'configuration file (.toml, .yaml, .yml or .json) [env CAMEODB_CONFIG]');
  for (const item of SETTINGS) {
    if (item.flag === undefined) continue;
    const value = item.kind === 'boolean' ? '[bool]' : item.kind === 'list' ? '<list>' : '<value>';
    program.option(
      `--${item.flag} ${value}`,
      describeFlag(item.description, envName(item), item.defaultValue),
    );
  }
  program.action((options: Record<string, unknown>) => {
    result = serve(options, deps);
  });

  program
    .command('generate-config')
    .description('print a commented configuration file with every setting at its default')
    .action(() => {
      deps.stdout.write(generateConfigToml());
      result = Promise.resolve(0);
    });

  program
    .command('check-config <file>')
    .description('validate a configuration file (with CAMEODB_* variables applied); exit code 0 when valid')
    .action((file: string) => {
      try {
        const { config } = loadConfig({ file, env: deps.env });
        deps.stdout.write(`${file}: valid\n${JSON.stringify(config, null, 2)}\n`);
        result = Promise.resolve(0);
      } catch (error) {
        deps.stderr.write(`${file}: ${errorMessage(error)}\n`);
        result = Promise.resolve(1);
      }
    });

  program
    .command('client')
    .description('the HTTP client (run `cameodb client --help`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]');

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors with 1.
      return error.exitCode;
    }
    throw error;
  }
  return result;
}

/** The default command: load the configuration, start the server, stop it on SIGTERM/SIGINT. */
async function serve(options: Record<string, unknown>, deps: CommandDependencies): Promise<number | null> {
  const flags: Record<string, unknown> = {};
  for (const item of SETTINGS) {
    if (item.flag !== undefined && options[attributeName(item.flag)] !== undefined) {
      flags[item.flag] = options[attributeName(item.flag)];
    }
  }
  const file = (options['config'] as string | undefined) ?? deps.env['CAMEODB_CONFIG'];
  let config;
  try {
    config = loadConfig({ ...(file === undefined ? {} : { file }), env: deps.env, flags }).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    deps.stderr.write(`cameodb: ${error.message}\n`);
    return 1;
  }
  const logger = createLogger(config.log.level, deps.stdout);
  let server: RunningServer;
  try {
    server = await startServer(config, { createNode: deps.createNode, logger });
  } catch (error) {
    logger.fatal({ err: error, code: error instanceof CameoError ? error.code : undefined }, 'cannot start');
    deps.stderr.write(`cameodb: cannot start: ${errorMessage(error)}\n`);
    return 1;
  }
  deps.stderr.write(
    startupBanner({
      version: deps.version,
      nodeId: server.node.nodeId,
      nodeName: server.node.nodeName,
      url: server.url,
      config,
    }),
  );
  // The readiness line: tools wait for msg "listening" and read `port` from it.
  logger.info(
    { url: server.url, port: server.port, node_id: server.node.nodeId, version: deps.version },
    'listening',
  );
  let signalled = false;
  const onSignal = (signal: string): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      deps.exit(1);
      return;
    }
    signalled = true;
    logger.info({ signal }, 'signal received');
    server.stop().then(
      () => deps.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        deps.exit(1);
      },
    );
    // A second signal forces the exit.
    deps.signals.once('SIGTERM', () => onSignal('SIGTERM'));
    deps.signals.once('SIGINT', () => onSignal('SIGINT'));
  };
  deps.signals.once('SIGTERM', () => onSignal('SIGTERM'));
  deps.signals.once('SIGINT', () => onSignal('SIGINT'));
  deps.onStarted?.(server);
  return null;
}
