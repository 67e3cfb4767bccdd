/**
 * The observability endpoints (observability-routes.ts) three ways: `createObservabilityHandler`
 * mounts them in any node:http-style server (it resolves false for paths it does not own, before
 * touching the request), `createObservabilityServer` runs them alone, bound to 127.0.0.1 unless
 * told otherwise, and `createObservabilityFetchHandler` serves them from any Fetch-API host.
 *
 * There is no authentication yet (the dashboard's credentials and roles are a later issue): keep
 * the default loopback binding, or put the handler behind your own auth, since analytics show
 * payloads and error messages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNodeServer, type FetchHandler, type NodeServer, nodeListener } from './node-adapter.ts';
import {
  normalizeBasePath,
  OBSERVABILITY_PATHS,
  type ObservabilityHandlerOptions,
  type ObservableConveyor,
  observabilityApp,
} from './observability-routes.ts';

export type { ObservabilityHandlerOptions, ObservableConveyor } from './observability-routes.ts';

export type ObservabilityHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** A request handler for the observability endpoints; resolves false when the path is not one. */
export function createObservabilityHandler(
  conveyor: ObservableConveyor,
  options: ObservabilityHandlerOptions = {},
): ObservabilityHandler {
  const base = normalizeBasePath(options.basePath);
  const app = observabilityApp(conveyor, options);
  const listener = nodeListener((request) => app.fetch(request));
  return async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (!pathname.startsWith(`${base}/`) || !OBSERVABILITY_PATHS.has(pathname.slice(base.length))) {
      return false;
    }
    await listener(req, res);
    return true;
  };
}

/** The observability endpoints as a Fetch handler (`Request → Response`); 404 for other paths. */
export function createObservabilityFetchHandler(
  conveyor: ObservableConveyor,
  options: ObservabilityHandlerOptions = {},
): FetchHandler {
  const app = observabilityApp(conveyor, options);
  return (request) => app.fetch(request);
}

export interface ObservabilityServerOptions extends ObservabilityHandlerOptions {
  /** Port (default 3000; 0 for any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: loopback only, as there is no auth yet). */
  host?: string;
}

export type ObservabilityServer = NodeServer;

/** A standalone HTTP server for the observability endpoints; 404 for anything else. */
export function createObservabilityServer(
  conveyor: ObservableConveyor,
  options: ObservabilityServerOptions = {},
): ObservabilityServer {
  return createNodeServer(createObservabilityFetchHandler(conveyor, options), {
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
}
