/**
 * HTTP endpoints for observability, on node:http: `/metrics` (Prometheus text format), `/health`
 * (the seed's JSON; 503 when down), `/analytics/*` (JSON, filterable by since, until, queue, job,
 * tenant) and `/alerts/incidents`. `createObservabilityHandler` mounts them in any node:http-style
 * server (it answers false for paths it does not own); `createObservabilityServer` runs them alone,
 * bound to 127.0.0.1 unless told otherwise.
 *
 * No endpoint waits on the database for long: /metrics answers without the queue gauges after
 * `metrics.databaseTimeoutMs`, /health reports `down` after 3 s, and analytics fail with 503 at the
 * statement bound.
 *
 * There is no authentication yet (the dashboard's credentials and roles are a later issue): keep
 * the default loopback binding, or put the handler behind your own auth, since analytics show
 * payloads and error messages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConveyorError } from '../core/errors.ts';
import { safeError } from '../log/safe-error.ts';
import type { Analytics } from '../observe/analytics.ts';
import { type HealthOptions, type HealthReport, healthStatusCode } from '../observe/health.ts';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import type { AlertsApi } from '../observe/observability.ts';
import { filterFromQuery } from './analytics-query.ts';

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

export type ObservabilityHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type Route = (conveyor: ObservableConveyor, params: URLSearchParams) => Promise<unknown>;

const ANALYTICS: Record<string, Route> = {
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

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** A request handler for the observability endpoints; resolves false when the path is not one. */
export function createObservabilityHandler(
  conveyor: ObservableConveyor,
  options: ObservabilityHandlerOptions = {},
): ObservabilityHandler {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${base}/`)) return false;
    const path = url.pathname.slice(base.length);
    const route = ANALYTICS[path];
    if (path !== '/metrics' && path !== '/health' && !route) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'use GET' } });
      return true;
    }
    try {
      if (path === '/metrics') {
        const { contentType, body } = await conveyor.metrics.scrape();
        send(res, 200, contentType, body);
      } else if (path === '/health') {
        const report = await conveyor.health();
        sendJson(res, healthStatusCode(report, options), report);
      } else if (route) {
        sendJson(res, 200, await route(conveyor, url.searchParams));
      }
    } catch (error) {
      if (error instanceof ConveyorError && error.code === 'VALIDATION') {
        sendJson(res, 400, { error: { code: error.code, message: error.message } });
      } else {
        conveyor.logger?.error({ err: safeError(error), path }, 'observability endpoint failed');
        const unavailable =
          error instanceof ConveyorError &&
          (error.code === 'DATABASE_UNAVAILABLE' || error.code === 'DATABASE_TIMEOUT');
        sendJson(res, unavailable ? 503 : 500, {
          error: unavailable
            ? { code: error.code, message: 'the database is unreachable' }
            : { code: 'INTERNAL', message: 'internal error; see the server log' },
        });
      }
    }
    return true;
  };
}

export interface ObservabilityServerOptions extends ObservabilityHandlerOptions {
  /** Port (default 3000; 0 for any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: loopback only, as there is no auth yet). */
  host?: string;
}

export interface ObservabilityServer {
  readonly server: Server;
  /** Starts listening; resolves with the bound address and base URL. */
  listen(): Promise<{ port: number; host: string; url: string }>;
  close(): Promise<void>;
}

/** A standalone HTTP server for the observability endpoints; 404 for anything else. */
export function createObservabilityServer(
  conveyor: ObservableConveyor,
  options: ObservabilityServerOptions = {},
): ObservabilityServer {
  const handle = createObservabilityHandler(conveyor, options);
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such endpoint' } });
      },
      () => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 3000, host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ port, host, url: `http://${shown}:${port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
