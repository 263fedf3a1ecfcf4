/**
 * The BENCHMARKS.md section of the comparison: a table with both systems, the
 * CameoDB/PostgreSQL ratios, the top-10 agreement on term queries and why it differs.
 * Rendering and section replacement are pure functions so they are unit tested.
 * @module
 */
import type { AgreementSummary, LatencySummary } from './stats.js';

/** Match counts of the term queries on both systems (left = CameoDB, right = PostgreSQL). */
export interface MatchCountReport {
  readonly queries: number;
  readonly equal: number;
  readonly differing: ReadonlyArray<{
    readonly query: string;
    readonly cameo: number;
    readonly postgres: number;
  }>;
}

/** The heading that owns the section; everything up to the next `## ` heading is replaced. */
export const SECTION_HEADING = '## CameoDB vs PostgreSQL full-text search (issue 7)';

/** One table row. */
export interface ReportRow {
  readonly label: string;
  readonly unit: string;
  readonly cameo: LatencySummary | undefined;
  readonly postgres: LatencySummary | undefined;
}

/** What the section states. */
export interface ReportInput {
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  readonly corpus: string;
  /** One line per system describing the version and settings, or why it was not measured. */
  readonly systems: readonly string[];
  readonly rows: readonly ReportRow[];
  readonly agreement: AgreementSummary | undefined;
  readonly matchCounts: MatchCountReport | undefined;
  readonly notes: readonly string[];
  /** Warnings about the conditions of the run (a busy machine), shown above the table. */
  readonly caveats: readonly string[];
  /** Path of the chart, relative to BENCHMARKS.md. */
  readonly chartPath: string;
}

/** Milliseconds with precision that suits the magnitude; an em dash when not measured. */
export function formatMs(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value < 1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

/** An integer rate with thousands separators. */
export function formatRate(value: number | undefined): string {
  return value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}

/** CameoDB/PostgreSQL as "0.42×"; "n/a" when either side is missing or zero. */
export function formatRatio(cameo: number | undefined, postgres: number | undefined): string {
  if (cameo === undefined || postgres === undefined || postgres === 0) return 'n/a';
  return `${(cameo / postgres).toFixed(2)}×`;
}

function errorsCell(summary: LatencySummary | undefined): string {
  return summary === undefined || summary.errors === 0 ? '' : ` (${summary.errors} err)`;
}

/** Renders the whole section, heading included, ending with a newline. */
export function renderSection(input: ReportInput): string {
  const lines: string[] = [
    SECTION_HEADING,
    '',
    `Measured ${input.date} on ${input.machine}.`,
    `Command: \`${input.command}\`. The section is rewritten by every run; a quick run ` +
      '(about 2 minutes) is `npm run bench:compare -- --docs 10000 --duration 3`.',
    '',
    ...input.caveats.map((caveat) => `**Caveat:** ${caveat}`),
    ...(input.caveats.length > 0 ? [''] : []),
    `Corpus: ${input.corpus}.`,
    ...input.systems.map((system) => `- ${system}`),
    '',
    `![p50 and p99 latency per workload](${input.chartPath})`,
    '',
    'Latencies in ms; throughput in the unit of the row; ratios are CameoDB / PostgreSQL ' +
      '(latency: below 1 means CameoDB is faster; throughput: above 1 means CameoDB is faster).',
    '',
    '| workload | unit | CameoDB p50 | CameoDB p99 | CameoDB rate | PostgreSQL p50 | PostgreSQL p99 | PostgreSQL rate | p50 ratio | p99 ratio | rate ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of input.rows) {
    const { cameo, postgres } = row;
    lines.push(
      `| ${row.label} | ${row.unit} | ${formatMs(cameo?.p50Ms)} | ${formatMs(cameo?.p99Ms)} | ${formatRate(cameo?.throughputPerSecond)}${errorsCell(cameo)} | ` +
        `${formatMs(postgres?.p50Ms)} | ${formatMs(postgres?.p99Ms)} | ${formatRate(postgres?.throughputPerSecond)}${errorsCell(postgres)} | ` +
        `${formatRatio(cameo?.p50Ms, postgres?.p50Ms)} | ${formatRatio(cameo?.p99Ms, postgres?.p99Ms)} | ` +
        `${formatRatio(cameo?.throughputPerSecond, postgres?.throughputPerSecond)} |`,
    );
  }
  lines.push('', '### Top-10 agreement on the term queries', '');
  if (input.agreement === undefined) {
    lines.push('Not measured: it needs both systems in the same run.');
  } else {
    const { queries, meanOverlap, identical, disjoint } = input.agreement;
    lines.push(
      `Over ${queries} term queries, the two top-10 id sets overlap by ${(meanOverlap * 100).toFixed(1)}% on average ` +
        `(shared ids / size of the larger list); ${identical} queries have identical sets, ${disjoint} share no id.`,
    );
  }
  if (input.matchCounts !== undefined) {
    const { queries, equal, differing } = input.matchCounts;
    lines.push(
      '',
      `The number of matching documents (before ranking) is the same on ${equal} of ${queries} term queries` +
        (differing.length === 0
          ? '.'
          : `; for example ${differing
              .map(
                (entry) =>
                  `\`${entry.query}\` matches ${entry.cameo} in CameoDB and ${entry.postgres} in PostgreSQL`,
              )
              .join(', ')}. ` +
            "Every difference inspected by hand came from tokenization, not from the query: Postgres's " +
            'default parser reads slash-joined words (`Chinese/Japanese/Korean`, `transcoder/decoder`, ' +
            '`LDAP/NIS/SQL/local`, `HTTP/HTTPS`) as one file-path token, while FTS5 splits them into words, ' +
            'so CameoDB matches a few more documents.'),
    );
  }
  lines.push(
    '',
    'Why the top 10 differ: bare terms are ANDed in both systems and the queries use only lowercase ' +
      'ASCII words, so the matching sets are (nearly) the same, but the systems order them differently. ' +
      'CameoDB ranks with BM25: inverse document frequency makes a rare ' +
      'term of a two-term query count more than a common one, and length normalisation favours short ' +
      "descriptions. Postgres's `ts_rank_cd` (cover density, default normalisation 0) has no IDF and no " +
      'length normalisation: it scores the proximity and count of matching covers, weighted by the label ' +
      '(A = name 1.0, B = description 0.4; CameoDB gives name 2.5× the weight of description to mirror that). ' +
      'For a one-word query ts_rank_cd gives every description that contains the word once the same score, so ' +
      'its top 10 is decided by the tie-break (id order here), while BM25 prefers the shortest such descriptions. ' +
      "CameoDB's BM25 uses the statistics of the whole index (summed over its shards before ranking), so " +
      'the shard layout does not move scores. Where many documents match, the two top-10 lists are ' +
      'different samples of the same result set.',
  );
  if (input.notes.length > 0) {
    lines.push('', '### Notes from this run', '', ...input.notes.map((note) => `- ${note}`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Replaces the section owned by SECTION_HEADING in `markdown` (up to the next level-2
 * heading), or appends it when absent. Other sections are left byte for byte.
 */
export function replaceSection(markdown: string, section: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === SECTION_HEADING);
  if (start === -1) {
    const base = markdown.endsWith('\n') || markdown === '' ? markdown : `${markdown}\n`;
    return `${base}${base === '' ? '' : '\n'}${section}`;
  }
  let end = lines.length;
  for (let index = start + 1; index < lines.length; index++) {
    if (/^## /.test(lines[index] ?? '')) {
      end = index;
      break;
    }
  }
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  const head = before === '' ? '' : `${before}\n`;
  return end === lines.length ? `${head}${section}` : `${head}${section}\n${after}`;
}

/** A caveat when more runnable processes than cores competed with the benchmark. */
export function busyMachineCaveat(loadAverage: number, cores: number): string[] {
  return loadAverage > cores
    ? [
        `the 1-minute load average was ${loadAverage.toFixed(1)} on ${cores} cores when the run started: other ` +
          'processes competed for the CPU with both systems and with the load generator, so latencies are ' +
          'inflated and noisy; compare the two columns, and rerun on an idle machine for absolute numbers.',
      ]
    : [];
}
