import { describe, expect, it } from '@jest/globals';
import {
  busyMachineCaveat,
  formatMs,
  formatRatio,
  renderSection,
  replaceSection,
  SECTION_HEADING,
} from '../../../../scripts/bench/compare/report.js';
import type { ReportInput } from '../../../../scripts/bench/compare/report.js';
import { summarize } from '../../../../scripts/bench/compare/stats.js';

const INPUT: ReportInput = {
  date: '2026-11-21T22:00:00Z',
  machine: '2 cores',
  command: 'npm run bench:compare -- --docs 10',
  corpus: '10 docs',
  systems: ['PostgreSQL 15', 'CameoDB: not measured in this run (--skip-cameodb)'],
  rows: [
    {
      label: 'term search, sequential',
      unit: 'queries/s',
      cameo: summarize([1, 2], 1000),
      postgres: summarize([2, 4], 1000, 3),
    },
    { label: 'bulk', unit: 'docs/s', cameo: undefined, postgres: summarize([100], 100, 0, 1000) },
  ],
  agreement: { queries: 200, meanOverlap: 0.4567, identical: 12, disjoint: 30 },
  notes: ['PostgreSQL: something happened'],
  caveats: [],
  matchCounts: {
    queries: 200,
    equal: 197,
    differing: [{ query: 'wi fi', cameo: 3, postgres: 2 }],
  },
  chartPath: 'docs/bench/compare-latency.svg',
};

describe('report formatting', () => {
  it('formats milliseconds by magnitude and ratios as CameoDB / Postgres', () => {
    expect(formatMs(0.04321)).toBe('0.043');
    expect(formatMs(3.14159)).toBe('3.14');
    expect(formatMs(42.42)).toBe('42.4');
    expect(formatMs(420.4)).toBe('420');
    expect(formatMs(undefined)).toBe('—');
    expect(formatRatio(1, 4)).toBe('0.25×');
    expect(formatRatio(undefined, 4)).toBe('n/a');
    expect(formatRatio(1, 0)).toBe('n/a');
  });
});

describe('report section', () => {
  const section = renderSection(INPUT);

  it('has the heading, date, machine, command, chart link and one table row per workload', () => {
    expect(section.startsWith(`${SECTION_HEADING}\n`)).toBe(true);
    expect(section).toContain('Measured 2026-11-21T22:00:00Z on 2 cores.');
    expect(section).toContain('`npm run bench:compare -- --docs 10`');
    expect(section).toContain('](docs/bench/compare-latency.svg)');
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| workload'));
    expect(rows).toHaveLength(2);
    // term: CameoDB p50 1, p99 2, 2 q/s; Postgres p50 2, p99 4, 2 q/s with 3 errors; ratios 0.5, 0.5, 1.
    expect(rows[0]).toBe(
      '| term search, sequential | queries/s | 1.00 | 2.00 | 2 | 2.00 | 4.00 | 2 (3 err) | 0.50× | 0.50× | 1.00× |',
    );
    expect(rows[1]).toBe('| bulk | docs/s | — | — | — | 100 | 100 | 10,000 | n/a | n/a | n/a |');
  });

  it('states the agreement, the ranking explanation and the notes', () => {
    expect(section).toContain('overlap by 45.7% on average');
    expect(section).toContain('12 queries have identical sets, 30 share no id');
    expect(section).toContain('BM25');
    expect(section).toContain('ts_rank_cd');
    expect(section).toContain('- PostgreSQL: something happened');
    expect(renderSection({ ...INPUT, agreement: undefined })).toContain(
      'Not measured: it needs both systems',
    );
    expect(section).toContain(
      'is the same on 197 of 200 term queries; for example `wi fi` matches 3 in CameoDB and 2 in PostgreSQL.',
    );
    expect(renderSection({ ...INPUT, matchCounts: { queries: 5, equal: 5, differing: [] } })).toContain(
      'is the same on 5 of 5 term queries.',
    );
    expect(renderSection({ ...INPUT, matchCounts: undefined })).not.toContain('matching documents (before');
  });
});

describe('section replacement', () => {
  const other = '# Benchmarks\n\nintro\n\n## Other (issue 3)\n\nkeep me\n';

  it('appends the section when absent and leaves the rest untouched', () => {
    const result = replaceSection(other, `${SECTION_HEADING}\n\nv1\n`);
    expect(result.startsWith(other)).toBe(true);
    expect(result).toContain(`\n\n${SECTION_HEADING}\n\nv1\n`);
    expect(replaceSection('', `${SECTION_HEADING}\n`)).toBe(`${SECTION_HEADING}\n`);
  });

  it('replaces only its own section, before and after other sections, and is idempotent', () => {
    const once = replaceSection(other, `${SECTION_HEADING}\n\nv1\n`);
    const withTail = `${once}\n## Later (issue 9)\n\ntail\n`;
    const twice = replaceSection(withTail, `${SECTION_HEADING}\n\nv2\n`);
    expect(twice).toContain('v2');
    expect(twice).not.toContain('v1');
    expect(twice).toContain('## Other (issue 3)\n\nkeep me\n');
    expect(twice).toContain('## Later (issue 9)\n\ntail\n');
    expect(replaceSection(twice, `${SECTION_HEADING}\n\nv2\n`)).toBe(twice);
    // Level-3 headings inside the section belong to it.
    const nested = replaceSection(other, `${SECTION_HEADING}\n\n### sub\n\nx\n`);
    expect(replaceSection(nested, `${SECTION_HEADING}\n\ny\n`)).not.toContain('### sub');
  });
});

describe('busy machine caveat', () => {
  it('warns only when the load average exceeds the cores, and the section shows it above the table', () => {
    expect(busyMachineCaveat(1.9, 2)).toEqual([]);
    const caveats = busyMachineCaveat(12.84, 2);
    expect(caveats).toHaveLength(1);
    expect(caveats[0]).toContain('load average was 12.8 on 2 cores');
    const section = renderSection({ ...INPUT, caveats });
    expect(section.indexOf('**Caveat:** the 1-minute load average')).toBeGreaterThan(0);
    expect(section.indexOf('**Caveat:**')).toBeLessThan(section.indexOf('| workload |'));
    expect(renderSection(INPUT)).not.toContain('Caveat');
  });
});
