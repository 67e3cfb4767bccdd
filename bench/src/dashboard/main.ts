/**
 * Dashboard bench (issue 16): `dashboard_first_paint_ms`, the time from navigation start to the
 * overview's first meaningful paint (its charts and tables drawn from GET /overview: the
 * `conveyor:overview` performance mark the app sets in the frame after it rendered them), for a
 * logged-in browser on localhost.
 *
 *   node --experimental-strip-types src/dashboard/main.ts [--loads=N] [--mode=quick|full] [--out=path]
 *
 * The server is the seeded demo (scripts/dashboard-demo.ts, run with the root's tsx: 1,500 jobs of
 * five tenants worked for real, the history spread over a day) on real PostgreSQL. Each load is a
 * fresh browser context (cold HTTP cache, a new session cookie) in one Debian Chromium
 * (playwright-core, from the root's devDependencies); `value` is the median over the loads; extra
 * has p95, first-contentful-paint and the warm (cached assets) median. Merged into
 * results/quick.json (or latest.json with --mode=full) under that key, as the realtime bench does.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BENCH = new URL('../../', import.meta.url);
const ROOT = new URL('../', BENCH);
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key!, value ?? 'true'] as const;
  }),
);
const mode = args.get('mode') === 'full' ? 'full' : 'quick';
const loads = Number(args.get('loads') ?? (mode === 'full' ? 40 : 15));
const outPath =
  args.get('out') ?? new URL(`results/${mode === 'full' ? 'latest' : 'quick'}.json`, BENCH).pathname;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

if (!existsSync(new URL('dist/dashboard/index.html', ROOT))) {
  throw new Error('the dashboard is not built: run `npm run build` at the repository root first');
}

log('seeding the demo dashboard (scripts/dashboard-demo.ts)…');
const demo = spawn(new URL('node_modules/.bin/tsx', ROOT).pathname, ['scripts/dashboard-demo.ts'], {
  cwd: ROOT.pathname,
  stdio: ['pipe', 'pipe', 'inherit'],
});
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: demo.stdout! }).once('line', resolve);
  demo.once('exit', (code) => reject(new Error(`the demo server exited with ${code}`)));
});
const { url, adminKey } = JSON.parse(first) as { url: string; adminKey: string };
log(`demo on ${url}; ${loads} loads`);

async function sessionCookie(): Promise<{ name: string; value: string; url: string }> {
  const response = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: adminKey }),
  });
  const [pair] = (response.headers.get('set-cookie') ?? '').split(';');
  const [name, value] = pair!.split('=');
  return { name: name!, value: value!, url };
}

interface Paint {
  overview: number;
  fcp: number | null;
}

const readPaint = async (page: import('playwright-core').Page): Promise<Paint> => {
  await page.waitForFunction(() => performance.getEntriesByName('conveyor:overview').length > 0, undefined, {
    timeout: 15_000,
  });
  return page.evaluate(() => ({
    overview: performance.getEntriesByName('conveyor:overview')[0]!.startTime,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  }));
};

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const cold: Paint[] = [];
const warm: number[] = [];
try {
  // One warm-up load (JIT, the server's first queries), not counted.
  for (let i = -1; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addCookies([await sessionCookie()]);
    const page = await context.newPage();
    await page.goto(`${url}/`);
    const paint = await readPaint(page);
    if (i >= 0) {
      cold.push(paint);
      // The same browser again: assets from the HTTP cache (immutable), index.html revalidated.
      await page.reload();
      warm.push((await readPaint(page)).overview);
    }
    await context.close();
  }
} finally {
  await browser.close();
  demo.stdin!.end();
  await new Promise((resolve) => demo.once('exit', resolve));
}

const values = cold.map((p) => p.overview);
const fcps = cold.flatMap((p) => (p.fcp === null ? [] : [p.fcp]));
const entry = {
  value: round(percentile(values, 50)),
  unit: 'ms',
  min: round(Math.min(...values)),
  max: round(Math.max(...values)),
  runs: values.map((value, i) => ({ run: i + 1, value: round(value), seconds: round(value / 1000, 3) })),
  extra: {
    loads,
    p95: round(percentile(values, 95)),
    firstContentfulPaintMedian: fcps.length > 0 ? round(percentile(fcps, 50)) : null,
    warmMedian: round(percentile(warm, 50)),
    targetMs: 1000,
  },
};
log(
  `dashboard_first_paint_ms: median ${entry.value} ms (p95 ${entry.extra.p95}, min ${entry.min}, max ${entry.max}); ` +
    `first contentful paint median ${entry.extra.firstContentfulPaintMedian} ms; warm median ${entry.extra.warmMedian} ms`,
);

const file = existsSync(outPath)
  ? (JSON.parse(readFileSync(outPath, 'utf8')) as {
      meta: Record<string, unknown>;
      results: Record<string, unknown>;
    })
  : { meta: {}, results: {} };
file.results.dashboard_first_paint_ms = { conveyor: entry };
file.meta.dashboard = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  loadAverageAtEnd: os.loadavg().map((value) => round(value, 2)),
  method: [
    'the seeded demo (scripts/dashboard-demo.ts) on PostgreSQL, served by createApiServer on 127.0.0.1',
    'Debian Chromium (headless) via playwright-core; each load a fresh context (cold cache) with a session cookie',
    'value: navigation start → the conveyor:overview mark (next frame after the overview charts and tables rendered), median',
  ],
};
writeFileSync(outPath, `${JSON.stringify(file, null, 2)}\n`);
log(`wrote ${outPath}`);
process.exit(0);
