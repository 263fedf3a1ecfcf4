/**
 * `cameodb generate-config`: a commented TOML file with every setting at its default,
 * generated from the settings table so it always lists exactly the settings that exist.
 * @module
 */
import { SETTINGS, envName } from './config.js';

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => tomlValue(item)).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** The default configuration as commented TOML; optional settings are commented out. */
export function generateConfigToml(): string {
  const lines: string[] = [
    '# CameoDB configuration (TOML). Precedence: flag > environment (CAMEODB_*) > this file > defaults.',
    '# Check it with: cameodb check-config <file>',
  ];
  let section = '';
  for (const item of SETTINGS) {
    const [itemSection, key] = item.path;
    if (itemSection !== section) {
      section = itemSection;
      lines.push('', `[${section}]`);
    }
    const snake = item.fileKey.slice(section.length + 1);
    const sourceNote = `env ${envName(item)}${item.flag === undefined ? '' : `, flag --${item.flag}`}`;
    lines.push(`# ${item.description} (${sourceNote})`);
    if (item.defaultValue === undefined) {
      const example =
        key === 'name' ? '"node-1"' : key === 'psk' ? '"<64 hex characters>"' : '"/etc/cameodb/psk"';
      lines.push(`# ${snake} = ${example}`);
    } else {
      lines.push(`${snake} = ${tomlValue(item.defaultValue)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
