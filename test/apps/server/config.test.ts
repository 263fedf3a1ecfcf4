/** Configuration: precedence flag > env > file > defaults, validation errors naming the key, file formats. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse as parseToml } from 'smol-toml';
import {
  ConfigError,
  defaultConfig,
  envName,
  generateConfigToml,
  loadConfig,
  SETTINGS,
} from '../../../apps/server/index.js';

const directory = mkdtempSync(join(tmpdir(), 'cameodb-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError & { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = defaultConfig();
    expect(config.http).toMatchObject({ port: 9480, bindAddress: '127.0.0.1', maxResultWindow: 10_000 });
    expect(config.storage).toEqual({
      dataPaths: ['./data'],
      shards: 4,
      writerThreads: 2,
      readerThreads: 2,
      readerIdleTimeoutMs: 300_000,
      writerNice: 10,
    });
    expect(config.cluster).toMatchObject({ enabled: false, port: 9580, seedNodes: [] });
    expect(config.log.level).toBe('info');
  });

  it('applies flag > env > file > defaults, per setting', () => {
    const path = file(
      'precedence.toml',
      '[http]\nport = 1111\nbind_address = "0.0.0.0"\nmax_body_bytes = 2048\n[storage]\nshards = 2\n',
    );
    const { config, origins } = loadConfig({
      file: path,
      env: { CAMEODB_HTTP_PORT: '2222', CAMEODB_HTTP_BIND_ADDRESS: '10.0.0.1', CAMEODB_DATA_PATHS: '/a,/b' },
      flags: { 'http-port': '3333' },
    });
    expect(config.http.port).toBe(3333); // flag beats env and file
    expect(config.http.bindAddress).toBe('10.0.0.1'); // env beats file
    expect(config.http.maxBodyBytes).toBe(2048); // file beats default
    expect(config.storage.shards).toBe(2);
    expect(config.storage.dataPaths).toEqual(['/a', '/b']);
    expect(config.http.requestTimeoutMs).toBe(30_000); // default
    expect(origins).toMatchObject({
      'http.port': 'flag --http-port',
      'http.bind_address': 'env CAMEODB_HTTP_BIND_ADDRESS',
      'http.max_body_bytes': `file ${path}`,
    });
  });

  it('reads YAML and JSON files too', () => {
    const yaml = file(
      'c.yaml',
      'http:\n  port: 9999\ncluster:\n  enabled: true\n  seed_nodes: ["10.0.0.2:9580"]\n',
    );
    expect(loadConfig({ file: yaml }).config).toMatchObject({
      http: { port: 9999 },
      cluster: { enabled: true, seedNodes: ['10.0.0.2:9580'] },
    });
    const json = file('c.json', JSON.stringify({ log: { level: 'debug' } }));
    expect(loadConfig({ file: json }).config.log.level).toBe('debug');
  });

  it('names the key and its source in every validation error', () => {
    expect(problemsOf(() => loadConfig({ flags: { 'http-port': 'eighty' } }))).toEqual([
      expect.stringMatching(/^http\.port \(from flag --http-port\): .*number/),
    ]);
    expect(problemsOf(() => loadConfig({ env: { CAMEODB_SHARDS: '0' } }))).toEqual([
      expect.stringMatching(/^storage\.shards \(from env CAMEODB_SHARDS\): /),
    ]);
    const path = file('bad.toml', '[http]\nport = 70000\n[log]\nlevel = "loud"\n');
    const problems = problemsOf(() => loadConfig({ file: path }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^http\.port \(from file .*bad\.toml\)/);
    expect(problems[1]).toMatch(/^log\.level .*fatal/);
  });

  it('rejects unknown keys and sections in a file', () => {
    const path = file('unknown.toml', '[http]\nprot = 1\n[clutser]\nenabled = true\n');
    expect(problemsOf(() => loadConfig({ file: path }))).toEqual([
      'http.prot: unknown setting',
      'clutser.enabled: unknown setting',
    ]);
  });

  it('reports an unreadable or unparsable file', () => {
    expect(problemsOf(() => loadConfig({ file: join(directory, 'absent.toml') }))[0]).toMatch(/ENOENT/);
    const broken = file('broken.toml', '[http\nport = ');
    expect(() => loadConfig({ file: broken })).toThrow(/cannot parse config file/);
    const ini = file('c.ini', 'x=1');
    expect(() => loadConfig({ file: ini })).toThrow(/unknown extension/);
  });

  it('validates the cluster keys now, even though clustering comes later', () => {
    expect(
      loadConfig({
        flags: {
          'cluster-enabled': true,
          'cluster-port': '9581',
          'seed-nodes': '/ip4/10.0.0.3/tcp/9580,node-b:9580',
        },
      }).config.cluster,
    ).toMatchObject({ enabled: true, port: 9581, seedNodes: ['/ip4/10.0.0.3/tcp/9580', 'node-b:9580'] });
    expect(problemsOf(() => loadConfig({ flags: { 'seed-nodes': 'not a node' } }))[0]).toMatch(
      /^cluster\.seed_nodes/,
    );
    expect(problemsOf(() => loadConfig({ flags: { 'cluster-psk': 'short' } }))[0]).toMatch(
      /^cluster\.psk .*64 hexadecimal/,
    );
    expect(problemsOf(() => loadConfig({ env: { CAMEODB_CLUSTER_ENABLED: 'maybe' } }))[0]).toMatch(
      /^cluster\.enabled/,
    );
    const key = 'ab'.repeat(32);
    const pskFile = file('psk', `/key/swarm/psk/1.0.0/\n/base16/\n${key}\n`);
    expect(loadConfig({ flags: { 'cluster-psk-file': pskFile } }).config.cluster.pskFile).toBe(pskFile);
    expect(
      problemsOf(() => loadConfig({ flags: { 'cluster-psk': key, 'cluster-psk-file': pskFile } }))[0],
    ).toMatch(/not both/);
    const badPsk = file('bad-psk', 'nope\n');
    expect(problemsOf(() => loadConfig({ flags: { 'cluster-psk-file': badPsk } }))[0]).toMatch(
      /^cluster\.psk_file/,
    );
  });

  it('generate-config lists every setting and parses back to the defaults', () => {
    const text = generateConfigToml();
    for (const item of SETTINGS) expect(text).toContain(item.fileKey.split('.')[1]);
    const path = file('generated.toml', text);
    const { config } = loadConfig({ file: path });
    expect(config).toEqual(defaultConfig());
    expect(parseToml(text)).toHaveProperty('http.port', 9480);
  });

  it('docs/CONFIGURATION.md documents every setting with its flag and environment variable', () => {
    const docs = readFileSync(new URL('../../../docs/CONFIGURATION.md', import.meta.url), 'utf8');
    for (const item of SETTINGS) {
      expect(docs).toContain(`\`${item.fileKey}\``);
      expect(docs).toContain(`\`${envName(item)}\``);
      if (item.flag !== undefined) expect(docs).toContain(`\`--${item.flag}\``);
    }
  });
});
