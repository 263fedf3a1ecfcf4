import { describe, expect, it } from '@jest/globals';
import {
  barWidth,
  escapeXml,
  logDomain,
  renderLatencyChart,
} from '../../../../scripts/bench/compare/chart.js';

function rects(svg: string): Array<{ width: number; fill: string; title: string }> {
  return [
    ...svg.matchAll(
      /<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="\d+" fill="(#[0-9a-f]+)"><title>([^<]*)<\/title>/g,
    ),
  ].map((match) => ({ width: Number(match[1]), fill: match[2] ?? '', title: match[3] ?? '' }));
}

describe('log axis', () => {
  it('covers all values with whole decades', () => {
    expect(logDomain([0.04, 3, 250])).toEqual({ low: -2, high: 3 });
    expect(logDomain([1])).toEqual({ low: 0, high: 1 });
    expect(logDomain([])).toEqual({ low: -1, high: 1 });
    expect(logDomain([0, -1, Number.NaN])).toEqual({ low: -1, high: 1 });
  });

  it('bar width grows with the logarithm of the value and stays within the plot', () => {
    const domain = { low: -1, high: 3 };
    expect(barWidth(0.1, domain, 400)).toBe(1); // the axis origin: clamped to 1 px so it stays visible
    expect(barWidth(10, domain, 400)).toBeCloseTo(200, 6);
    expect(barWidth(1000, domain, 400)).toBe(400);
    expect(barWidth(1, domain, 400)).toBeLessThan(barWidth(2, domain, 400));
  });
});

describe('latency chart', () => {
  const svg = renderLatencyChart({
    title: 'A <b> & "c"',
    systems: ['CameoDB', 'PostgreSQL'],
    groups: [
      {
        label: 'term search',
        values: [
          { p50Ms: 0.5, p99Ms: 5 },
          { p50Ms: 1, p99Ms: 20 },
        ],
      },
      { label: 'bulk', values: [undefined, { p50Ms: 100, p99Ms: 300 }] },
    ],
  });

  it('is one standalone SVG document with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('A &#60;b&#62; &#38; &#34;c&#34;');
    expect(svg).not.toContain('<b>');
  });

  it('draws a p99 and a p50 bar per measured system, p50 never wider than p99', () => {
    const bars = rects(svg);
    expect(bars).toHaveLength(6); // 2 systems x 2 bars for term, 1 system x 2 bars for bulk
    for (let index = 0; index < bars.length; index += 2) {
      const p99 = bars[index];
      const p50 = bars[index + 1];
      expect(p99?.title).toMatch(/p99/);
      expect(p50?.title).toMatch(/p50/);
      expect(p50?.width ?? Infinity).toBeLessThanOrEqual(p99?.width ?? 0);
    }
    // The slowest value (300 ms) is the widest bar.
    expect(Math.max(...bars.map((bar) => bar.width))).toBe(
      bars.find((bar) => bar.title.includes('300'))?.width,
    );
  });

  it('says when a system was not measured', () => {
    expect(svg).toContain('CameoDB: not measured');
    expect(svg.match(/not measured/g)).toHaveLength(1);
  });

  it('escapes every special character', () => {
    expect(escapeXml(`<&>"'`)).toBe('&#60;&#38;&#62;&#34;&#39;');
  });
});
