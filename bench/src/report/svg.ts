/** Minimal hand-written SVG grouped bar charts (no chart dependency). */

export interface Series {
  label: string;
  values: (number | null)[];
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#9c755f', '#edc948'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function short(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${Math.round(v / 1e3)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1).replace(/\.0$/, '')}k`;
  if (v >= 100) return String(Math.round(v));
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * Groups along the x axis (one per category), one bar per series inside each group.
 * `log` draws a log10 axis (latency spans orders of magnitude).
 */
export function groupedBarChart(opts: {
  title: string;
  unit: string;
  categories: string[];
  series: Series[];
  log?: boolean;
}): string {
  const { title, unit, categories, series, log = false } = opts;
  // wide enough for ~20 px per bar, so value labels do not collide
  const width = Math.max(900, 90 + categories.length * (series.length * 20 + 24));
  const height = 420;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 110;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && v > 0);
  const maxV = niceMax(Math.max(1e-9, ...all));
  const minLog = log ? Math.floor(Math.log10(Math.max(1e-3, Math.min(...all, maxV)))) : 0;
  const maxLog = log ? Math.ceil(Math.log10(maxV)) : 0;
  const y = (v: number) => {
    if (log) {
      const f = (Math.log10(Math.max(v, 10 ** minLog)) - minLog) / Math.max(1, maxLog - minLog);
      return top + plotH - f * plotH;
    }
    return top + plotH - (v / maxV) * plotH;
  };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
  );
  // grid + y labels
  const ticks = log
    ? Array.from({ length: maxLog - minLog + 1 }, (_, i) => 10 ** (minLog + i))
    : Array.from({ length: 6 }, (_, i) => (maxV * i) / 5);
  for (const t of ticks) {
    const ty = y(t);
    out.push(`<line x1="${left}" y1="${ty}" x2="${width - right}" y2="${ty}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${short(t)}</text>`);
  }
  out.push(
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" fill="#333">${esc(unit)}${log ? ' (log scale)' : ''}</text>`,
  );
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.min(28, (groupW - 24) / Math.max(1, series.length));
  categories.forEach((cat, ci) => {
    const gx = left + ci * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci];
      const x = gx + si * barW;
      if (v === null || v === undefined || !(v > 0)) {
        out.push(
          `<text x="${x + barW / 2}" y="${top + plotH - 4}" text-anchor="middle" font-size="9" fill="#999">n/a</text>`,
        );
        return;
      }
      const by = y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - by).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.label} ${cat}: ${short(v)} ${unit}`)}</title></rect>`,
      );
      out.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(by - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${short(v)}</text>`,
      );
    });
    out.push(
      `<text x="${left + ci * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle" fill="#333">${esc(cat)}</text>`,
    );
  });
  out.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#333"/>`,
  );
  // legend
  series.forEach((s, si) => {
    const col = si % 4;
    const row = Math.floor(si / 4);
    const lx = left + col * 200;
    const ly = top + plotH + 45 + row * 20;
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly}" fill="#333">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
