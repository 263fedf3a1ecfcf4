/**
 * apps/server: the HTTP gateway (Hono), the server configuration and the `cameodb`
 * server process. The node it fronts is any NodeHandle built by a NodeFactory.
 * @module
 */
export type { NodeHandle, NodeHealth, ShardHealth, ShardState, NodeFactory } from './node-handle.js';
export {
  serverConfigSchema,
  defaultConfig,
  SETTINGS,
  envName,
  type ServerConfig,
  type Setting,
} from './config.js';
export {
  loadConfig,
  readConfigFile,
  ConfigError,
  type ConfigSources,
  type LoadedConfig,
} from './config-loader.js';
export { generateConfigToml } from './config-template.js';
export { createApp, type AppOptions, type GatewayApp } from './app.js';
export { Gateway, type GatewayEnv, type HttpLimits } from './gateway.js';
export { GatewayMetrics } from './http-metrics.js';
export { HttpError, toErrorResponse } from './http-errors.js';
export { openApiDocument } from './openapi.js';
export { startServer, type StartServerOptions, type RunningServer } from './server.js';
export { runCommand, type CommandDependencies } from './command.js';
export { createLogger } from './logger.js';
export { createNode } from './create-node.js';
