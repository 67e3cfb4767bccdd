/**
 * The REST API section of RESULTS.md, from results/api.json (npm run bench:api): the search p95 per
 * filter with the index its plan reads, and the overview's p95.
 */
import { existsSync, readFileSync } from 'node:fs';

interface FilterFigures {
  filter: string;
  p95Ms: number;
  p50Ms: number;
  rows: number;
  indexes: Record<string, string[]>;
}

interface ApiResults {
  meta: {
    date: string;
    cpus: number;
    loadAverageAtStart?: number[];
    sizes: Record<string, unknown>;
    method: string;
  };
  results: {
    api_search_p95_ms: {
      conveyor: {
        value: number;
        runs: { extra: { calls: number; filters: Record<string, FilterFigures> } }[];
      };
    };
    api_overview_ms: { conveyor: { value: number; runs: { extra: Record<string, number> }[] } };
  };
}

export function apiSection(bench: URL): string | null {
  const path = new URL('results/api.json', bench);
  if (!existsSync(path)) return null;
  const file = JSON.parse(readFileSync(path, 'utf8')) as ApiResults;
  const search = file.results.api_search_p95_ms.conveyor;
  const overview = file.results.api_overview_ms.conveyor;
  const extra = overview.runs[0]?.extra ?? {};
  const lines = [
    '## REST API (issue 16)',
    '',
    `Measured ${file.meta.date} with \`npm run bench:api\` (${file.meta.cpus} cores, load average at start ${(file.meta.loadAverageAtStart ?? []).join(', ')}): ${file.meta.method}`,
    '',
    `Sizes: ${JSON.stringify(file.meta.sizes)}.`,
    '',
    `**api_search_p95_ms = ${search.value} ms** (target ≤ 200 ms; the slowest filter's p95 over ${search.runs[0]?.extra.calls ?? '?'} calls):`,
    '',
    '| filter | p95 ms | p50 ms | rows | indexes in the plan |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const f of Object.values(search.runs[0]?.extra.filters ?? {})) {
    const indexes = Object.entries(f.indexes)
      .map(([statement, names]) => `${statement}: ${names.join(', ')}`)
      .join('; ');
    lines.push(`| \`${f.filter}\` | ${f.p95Ms} | ${f.p50Ms} | ${f.rows} | ${indexes} |`);
  }
  lines.push(
    '',
    `**api_overview_ms = ${overview.value} ms** (target ≤ 300 ms): GET /overview?since=24h, 288 buckets, p95; p50 ${extra.p50Ms} ms; ${extra.historyRowsInWindow} history rows in the window; the 7-day overview p95 ${extra.overview7dP95Ms} ms; a tenant-scoped credential's 24h overview p95 ${extra.scopedOverview24hP95Ms} ms.`,
    '',
  );
  return lines.join('\n');
}
