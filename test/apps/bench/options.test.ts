import { describe, expect, it } from '@jest/globals';
import {
  BenchUsageError,
  benchHelp,
  DEFAULT_CORPUS_PATH,
  parseBenchArgs,
  parseDuration,
  parseWeights,
  QUERY_KINDS,
} from '../../../apps/bench/index.js';

describe('parseBenchArgs', () => {
  it('applies the defaults: search mode, closed loop of 16, preload of the whole corpus', () => {
    const options = parseBenchArgs(['--spawn-server']);
    expect(options).toMatchObject({
      mode: 'search',
      target: { type: 'spawn', shards: 4, serverArgs: [], serverNodeArgs: [] },
      concurrency: 16,
      durationMs: 10_000,
      warmupMs: 2_000,
      batchSize: 1000,
      searchLimit: 10,
      index: 'bench',
      corpusPath: DEFAULT_CORPUS_PATH,
      preload: Number.POSITIVE_INFINITY,
      backgroundBulk: 0,
      mix: { search: 1 },
      queryMix: { term: 40, phrase: 20, prefix: 20, filtered: 20 },
      json: false,
    });
    expect(options.ratePerSecond).toBeUndefined();
  });

  it('reads every option of an open-loop mixed run against a URL', () => {
    const options = parseBenchArgs([
      '--url',
      'http://127.0.0.1:9480',
      '--server-pid',
      '1234',
      '--mode',
      'mixed',
      '--mix',
      'search=70,write=20,bulk=10',
      '--rate',
      '2500',
      '--max-in-flight',
      '256',
      '-c',
      '64',
      '-d',
      '1.5m',
      '--warmup',
      '500ms',
      '--batch-size',
      '500',
      '--query-mix',
      'term=1,prefix=0',
      '--query',
      'zzzq',
      '--index',
      'debian_2',
      '--preload',
      '0',
      '--background-bulk',
      '2',
      '--background-index',
      'bench_load',
      '--seed',
      '42',
      '--timeout',
      '5s',
      '--max-operations',
      '99',
      '--json',
      '--corpus-limit',
      '100',
    ]);
    expect(options).toMatchObject({
      mode: 'mixed',
      target: { type: 'url', url: 'http://127.0.0.1:9480', serverPid: 1234 },
      mix: { search: 70, write: 20, bulk: 10 },
      ratePerSecond: 2500,
      maxInFlight: 256,
      concurrency: 64,
      durationMs: 90_000,
      warmupMs: 500,
      batchSize: 500,
      queryMix: { term: 1, prefix: 0 },
      fixedQuery: 'zzzq',
      index: 'debian_2',
      preload: 0,
      backgroundBulk: 2,
      backgroundIndex: 'bench_load',
      seed: 42,
      timeoutMs: 5_000,
      maxOperations: 99,
      corpusLimit: 100,
      json: true,
    });
  });

  it('passes server and node arguments through to a spawned server', () => {
    const options = parseBenchArgs([
      '--spawn-server',
      '--shards',
      '2',
      '--server-entry',
      'apps/main.ts',
      '--server-arg',
      '--log-level',
      'warn',
      '--server-node-arg',
      '--cpu-prof',
    ]);
    expect(options.target).toEqual({
      type: 'spawn',
      shards: 2,
      entry: 'apps/main.ts',
      serverArgs: ['--log-level', 'warn'],
      serverNodeArgs: ['--cpu-prof'],
    });
    expect(parseBenchArgs(['--spawn-server', '--mode', 'write']).preload).toBe(0);
  });

  it.each([
    [[], /--url <url> or --spawn-server/],
    [['--spawn-server', '--url', 'http://x:1'], /either --url or --spawn-server/],
    [['--url', 'ftp://x'], /must be http/],
    [['--url', 'not a url'], /expects a URL/],
    [['--spawn-server', '--mode', 'fly'], /fly/],
    [['--spawn-server', '-c', '0'], /--concurrency expects a positive integer/],
    [['--spawn-server', '-c', '2.5'], /--concurrency/],
    [['--spawn-server', '--rate', '-3'], /--rate/],
    [['--spawn-server', '-d', 'soon'], /--duration expects a duration/],
    [['--spawn-server', '--index', 'Bad Name'], /not a valid index name/],
    [['--spawn-server', '--background-index', 'Bad Name'], /--background-index: .* not a valid index name/],
    [['--spawn-server', '--mode', 'mixed', '--mix', 'search=1,reads=2'], /unknown kind "reads"/],
    [['--spawn-server', '--mode', 'mixed', '--mix', 'search=0'], /at least one weight/],
    [['--spawn-server', '--query-mix', 'term=x'], /weight of "term"/],
    [['--spawn-server', '--bogus'], /unknown option/],
  ])('refuses %j with a BenchUsageError', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('parses durations and weights on their own, and documents the options', () => {
    expect(parseDuration('250ms', '-d')).toBe(250);
    expect(parseDuration('3', '-d')).toBe(3000);
    expect(parseDuration('2m', '-d')).toBe(120_000);
    expect(parseWeights('phrase=3', QUERY_KINDS, '--query-mix')).toEqual({ phrase: 3 });
    const help = benchHelp();
    for (const option of ['--mode', '--rate', '--spawn-server', '--background-bulk', '--json'])
      expect(help).toContain(option);
  });
});
