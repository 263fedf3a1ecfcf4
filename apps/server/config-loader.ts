/**
 * Builds a ServerConfig from defaults, a config file (TOML, YAML or JSON), `CAMEODB_*`
 * environment variables and command-line flags, in that order of increasing precedence,
 * and validates the result. Every error names the setting's file key and where its value
 * came from.
 * @module
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { CameoError } from '../../messages/index.js';
import {
  SETTINGS,
  defaultConfig,
  envName,
  serverConfigSchema,
  type ServerConfig,
  type Setting,
} from './config.js';

/** The configuration is invalid; `details.problems` lists each problem with its key. */
export class ConfigError extends CameoError {
  static readonly code = 'CONFIG_ERROR';
  constructor(message: string, problems: readonly string[]) {
    super(ConfigError.code, problems.length === 0 ? message : `${message}:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
}

/** Where the configuration comes from. */
export interface ConfigSources {
  /** Path of a config file; `.toml`, `.yaml`/`.yml` or `.json`. */
  readonly file?: string;
  /** Environment variables (normally `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Flag values by flag name without dashes (`http-port`), as text or already typed. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** A loaded configuration and, for each setting that was not a default, where it came from. */
export interface LoadedConfig {
  readonly config: ServerConfig;
  readonly origins: Readonly<Record<string, string>>;
}

const byFileKey = new Map(SETTINGS.map((item) => [item.fileKey, item]));

/** Converts text from a flag or the environment to the setting's kind; bad text is left for zod to reject. */
function fromText(item: Setting, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (item.kind) {
    case 'string':
      return value;
    case 'integer':
      return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    case 'boolean': {
      const lowered = value.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
      if (['false', '0', 'no', 'off', ''].includes(lowered)) return false;
      return value;
    }
    case 'list':
      return value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
  }
}

/** Parses a config file into `{fileKey: value}`, rejecting unknown sections and keys. */
export function readConfigFile(path: string): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}`, [(error as Error).message]);
  }
  let parsed: unknown;
  const extension = extname(path).toLowerCase();
  try {
    if (extension === '.toml') parsed = parseToml(text);
    else if (extension === '.yaml' || extension === '.yml') parsed = parseYaml(text);
    else if (extension === '.json') parsed = JSON.parse(text);
    else throw new Error(`unknown extension "${extension}": use .toml, .yaml, .yml or .json`);
  } catch (error) {
    throw new ConfigError(`cannot parse config file ${path}`, [(error as Error).message]);
  }
  const values = new Map<string, unknown>();
  const problems: string[] = [];
  if (parsed === null || parsed === undefined) return values;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid config file ${path}`, ['the top level must be a table of sections']);
  }
  for (const [section, table] of Object.entries(parsed)) {
    if (table === null || typeof table !== 'object' || Array.isArray(table)) {
      problems.push(`${section}: expected a section ([${section}])`);
      continue;
    }
    for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
      const fileKey = `${section}.${key}`;
      if (!byFileKey.has(fileKey)) problems.push(`${fileKey}: unknown setting`);
      else values.set(fileKey, value);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid config file ${path}`, problems);
  return values;
}

/** Merges every source over the defaults and validates the result. */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const fileValues = sources.file === undefined ? new Map<string, unknown>() : readConfigFile(sources.file);
  const raw = structuredClone(defaultConfig()) as unknown as Record<string, Record<string, unknown>>;
  const origins: Record<string, string> = {};
  for (const item of SETTINGS) {
    const [section, key] = item.path;
    const target = (raw[section] ??= {});
    const flagValue = item.flag === undefined ? undefined : sources.flags?.[item.flag];
    const envValue = sources.env?.[envName(item)];
    if (flagValue !== undefined) {
      target[key] = fromText(item, flagValue);
      origins[item.fileKey] = `flag --${item.flag}`;
    } else if (envValue !== undefined && envValue !== '') {
      target[key] = fromText(item, envValue);
      origins[item.fileKey] = `env ${envName(item)}`;
    } else if (fileValues.has(item.fileKey)) {
      target[key] = fileValues.get(item.fileKey);
      origins[item.fileKey] = `file ${sources.file}`;
    }
  }
  const result = serverConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [section, key] = issue.path.map(String);
      const item = SETTINGS.find((candidate) => candidate.path[0] === section && candidate.path[1] === key);
      const name = item?.fileKey ?? issue.path.join('.');
      const origin = origins[name];
      return `${name}${origin === undefined ? '' : ` (from ${origin})`}: ${issue.message}`;
    });
    throw new ConfigError('invalid configuration', problems);
  }
  const config = result.data;
  if (config.cluster.pskFile !== undefined) checkPskFile(config.cluster.pskFile);
  return { config, origins };
}

/** Reads the pre-shared key file so a bad path or key is reported at startup, not at the first dial. */
function checkPskFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('invalid configuration', [
      `cluster.psk_file: cannot read ${path}: ${(error as Error).message}`,
    ]);
  }
  // libp2p's pnet key file format ("/key/swarm/psk/1.0.0/\n/base16/\n<hex>") or a bare hex key.
  const lines = text.trim().split(/\r?\n/);
  const key = lines[lines.length - 1]?.trim() ?? '';
  if (!/^[0-9a-fA-F]{64}$/.test(key)) {
    throw new ConfigError('invalid configuration', [
      `cluster.psk_file: ${path} does not end with a 64-character hexadecimal key`,
    ]);
  }
}
