/**
 * A hand-rendered SVG bar chart of p50 and p99 latency per workload and system, on a
 * logarithmic axis (latencies span from a tenth of a millisecond for a point get to
 * hundreds for a 1000-document batch). No dependency: the SVG is a string.
 * @module
 */

/** One bar pair: the p50 and p99 of one system on one workload; undefined when not measured. */
export interface ChartSeriesValue {
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** One workload group of the chart. */
export interface ChartGroup {
  readonly label: string;
  /** Values per system, in the order of `ChartInput.systems`. */
  readonly values: ReadonlyArray<ChartSeriesValue | undefined>;
}

/** Everything the chart shows. */
export interface ChartInput {
  readonly title: string;
  readonly systems: readonly string[];
  readonly groups: readonly ChartGroup[];
}

const COLORS = [
  { p50: '#1f5fa8', p99: '#9cc0e8' },
  { p50: '#c2561a', p99: '#f3b68f' },
] as const;
const LEFT = 340;
const PLOT_WIDTH = 460;
const RIGHT = 190;
const TOP = 64;
const ROW = 14;
const GROUP_GAP = 12;

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function formatMs(value: number): string {
  if (value < 1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

/** The decade range [10^low, 10^high] covering every positive value; [0.1, 10] when there are none. */
export function logDomain(values: readonly number[]): { low: number; high: number } {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value));
  if (positive.length === 0) return { low: -1, high: 1 };
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.ceil(Math.log10(Math.max(...positive)));
  return { low, high: high > low ? high : low + 1 };
}

/** Width in pixels of a bar for `value` on the log axis (at least 1 px so tiny values stay visible). */
export function barWidth(value: number, domain: { low: number; high: number }, width = PLOT_WIDTH): number {
  const fraction = (Math.log10(value) - domain.low) / (domain.high - domain.low);
  return Math.max(1, Math.min(width, fraction * width));
}

/** Renders the chart as a standalone SVG document. */
export function renderLatencyChart(input: ChartInput): string {
  const all: number[] = [];
  for (const group of input.groups) {
    for (const value of group.values) {
      if (value?.p50Ms !== undefined) all.push(value.p50Ms);
      if (value?.p99Ms !== undefined) all.push(value.p99Ms);
    }
  }
  const domain = logDomain(all);
  const groupHeight = input.systems.length * ROW + GROUP_GAP;
  const height = TOP + input.groups.length * groupHeight + 36;
  const width = LEFT + PLOT_WIDTH + RIGHT;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escapeXml(input.title)}</text>`,
  );
  // Legend: one dark (p50) and one light (p99) swatch per system.
  input.systems.forEach((system, index) => {
    const color = COLORS[index % COLORS.length] ?? COLORS[0];
    const x = LEFT + index * 220;
    parts.push(
      `<rect x="${x}" y="30" width="12" height="10" fill="${color.p50}"/>`,
      `<rect x="${x + 14}" y="30" width="12" height="10" fill="${color.p99}"/>`,
      `<text x="${x + 32}" y="39">${escapeXml(system)} p50 / p99</text>`,
    );
  });
  // Decade grid lines with labels at the bottom.
  const plotBottom = TOP + input.groups.length * groupHeight;
  for (let decade = domain.low; decade <= domain.high; decade++) {
    const x = LEFT + ((decade - domain.low) / (domain.high - domain.low)) * PLOT_WIDTH;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${TOP - 6}" x2="${x.toFixed(1)}" y2="${plotBottom}" stroke="#dddddd"/>`,
      `<text x="${x.toFixed(1)}" y="${plotBottom + 14}" text-anchor="middle">${Number((10 ** decade).toPrecision(1))}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT + PLOT_WIDTH / 2}" y="${plotBottom + 30}" text-anchor="middle">latency, ms (log scale; dark = p50, light = p99)</text>`,
  );
  input.groups.forEach((group, groupIndex) => {
    const groupTop = TOP + groupIndex * groupHeight;
    parts.push(
      `<text x="${LEFT - 8}" y="${groupTop + (input.systems.length * ROW) / 2 + 4}" text-anchor="end">${escapeXml(group.label)}</text>`,
    );
    input.systems.forEach((system, systemIndex) => {
      const color = COLORS[systemIndex % COLORS.length] ?? COLORS[0];
      const y = groupTop + systemIndex * ROW;
      const value = group.values[systemIndex];
      if (value?.p50Ms === undefined || value.p99Ms === undefined) {
        parts.push(
          `<text x="${LEFT + 4}" y="${y + 10}" fill="#888888">${escapeXml(system)}: not measured</text>`,
        );
        return;
      }
      const p99 = barWidth(value.p99Ms, domain);
      const p50 = barWidth(value.p50Ms, domain);
      parts.push(
        `<rect x="${LEFT}" y="${y + 1}" width="${p99.toFixed(1)}" height="${ROW - 3}" fill="${color.p99}"><title>${escapeXml(`${system} p99 ${formatMs(value.p99Ms)} ms`)}</title></rect>`,
        `<rect x="${LEFT}" y="${y + 1}" width="${p50.toFixed(1)}" height="${ROW - 3}" fill="${color.p50}"><title>${escapeXml(`${system} p50 ${formatMs(value.p50Ms)} ms`)}</title></rect>`,
        `<text x="${LEFT + PLOT_WIDTH + 6}" y="${y + 10}">${escapeXml(`${system}: ${formatMs(value.p50Ms)} / ${formatMs(value.p99Ms)} ms`)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
