/**
 * The observability routes, as a Fetch handler: `/metrics` (Prometheus text format), `/health`
 * (the seed's JSON; 503 when down), `/analytics/*` (JSON, filterable by since, until, queue, job,
 * tenant) and `/alerts/incidents`; GET and HEAD only (405 otherwise), 404 for any other path.
 *
 * No route waits on the database for long: /metrics answers without the queue gauges after
 * `metrics.databaseTimeoutMs`, /health reports `down` after 3 s, and analytics fail with 503 at the
 * statement bound (DATABASE_TIMEOUT, mapped in problem-response.ts).
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Analytics } from '../observe/analytics.ts';
import { type HealthOptions, type HealthReport, healthStatusCode } from '../observe/health.ts';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import type { AlertsApi } from '../observe/observability.ts';
import { filterFromQuery } from './analytics-query.ts';
import { allowOnly, createHttpApp, json } from './http-app.ts';

/** The part of a Conveyor these endpoints read. */
export interface ObservableConveyor {
  analytics: Analytics;
  alerts: AlertsApi;
  metrics: Pick<ConveyorMetrics, 'scrape'>;
  health(): Promise<HealthReport>;
  logger?: Logger;
}

export interface ObservabilityHandlerOptions extends HealthOptions {
  /** Path prefix, e.g. `/ops` (default none). */
  basePath?: string;
}

type Read = (conveyor: ObservableConveyor, params: URLSearchParams) => Promise<unknown>;

const ANALYTICS: Readonly<Record<string, Read>> = {
  '/analytics/jobs': (c, p) => c.analytics.jobStats(filterFromQuery(p)),
  '/analytics/overall': (c, p) => c.analytics.overall(filterFromQuery(p)),
  '/analytics/workers': (c, p) => c.analytics.workers(filterFromQuery(p)),
  '/analytics/failures': (c, p) => c.analytics.recentFailures(filterFromQuery(p)),
  '/analytics/errors': (c, p) => c.analytics.errorGroups(filterFromQuery(p)),
  '/analytics/durations': (c, p) => c.analytics.durations(filterFromQuery(p)),
  '/analytics/slowest': (c, p) => c.analytics.slowest(filterFromQuery(p)),
  '/analytics/throughput': (c, p) => c.analytics.throughput(filterFromQuery(p)),
  '/alerts/incidents': (c, p) =>
    c.alerts.incidents({
      openOnly: p.get('open') !== 'false',
      ...(p.get('limit') ? { limit: Number(p.get('limit')) } : {}),
    }),
};

/** Every path served, without the base path. */
export const OBSERVABILITY_PATHS: ReadonlySet<string> = new Set([
  '/metrics',
  '/health',
  ...Object.keys(ANALYTICS),
]);

/** `/ops/` → `/ops`; '' for none. */
export function normalizeBasePath(basePath: string | undefined): string {
  return (basePath ?? '').replace(/\/+$/, '');
}

/** The observability routes under `basePath`, with problem responses for errors and other paths. */
export function observabilityApp(
  conveyor: ObservableConveyor,
  options: ObservabilityHandlerOptions = {},
): Hono {
  const routes = new Hono();
  routes.get('/metrics', async () => {
    const { contentType, body } = await conveyor.metrics.scrape();
    return new Response(body, {
      status: 200,
      headers: { 'content-type': contentType, 'cache-control': 'no-store' },
    });
  });
  routes.get('/health', async () => {
    const report = await conveyor.health();
    return json(healthStatusCode(report, options), report);
  });
  for (const [path, read] of Object.entries(ANALYTICS)) {
    routes.get(path, async (c) => json(200, await read(conveyor, new URL(c.req.url).searchParams)));
  }
  for (const path of OBSERVABILITY_PATHS) allowOnly(routes, path, ['GET', 'HEAD']);

  const app = createHttpApp({ logger: conveyor.logger });
  app.route(normalizeBasePath(options.basePath) || '/', routes);
  return app;
}
