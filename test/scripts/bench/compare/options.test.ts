import { describe, expect, it } from '@jest/globals';
import { parseCompareOptions } from '../../../../scripts/bench/compare/options.js';
import { BenchInputError } from '../../../../scripts/bench/compare/errors.js';

describe('command line', () => {
  it('has defaults for a full run', () => {
    expect(parseCompareOptions([])).toEqual({
      docs: undefined,
      durationSeconds: 10,
      skipCameo: false,
      skipPostgres: false,
      corpusPath: undefined,
      queries: 200,
      seed: 7,
      reportPath: 'BENCHMARKS.md',
      chartPath: 'docs/bench/compare-latency.svg',
      dryRun: false,
    });
  });

  it('parses scale and partial-run options', () => {
    const options = parseCompareOptions([
      '--docs',
      '5000',
      '--duration',
      '2.5',
      '--skip-cameodb',
      '--corpus',
      'x.jsonl',
    ]);
    expect(options).toMatchObject({
      docs: 5000,
      durationSeconds: 2.5,
      skipCameo: true,
      skipPostgres: false,
      corpusPath: 'x.jsonl',
    });
  });

  it('rejects bad values with a typed error naming the option', () => {
    expect(() => parseCompareOptions(['--docs', '0'])).toThrow(BenchInputError);
    expect(() => parseCompareOptions(['--docs', '1.5'])).toThrow(/--docs/);
    expect(() => parseCompareOptions(['--duration', '-1'])).toThrow(/--duration/);
    expect(() => parseCompareOptions(['--skip-cameodb', '--skip-postgres'])).toThrow(/nothing to measure/);
  });
});
