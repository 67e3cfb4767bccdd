/**
 * `createApiHandler({ conveyor, auth, events?, notifier? })`: the REST API as a Hono app (a Fetch handler: `app.fetch`),
 * mounted at `/api/v1` by default. Mount it in Node's http server (`toNodeHandler(app.fetch)`),
 * Express, Fastify, a Next.js route handler or any Fetch-API host; `conveyor dashboard` serves it.
 *
 * Each request passes, in order: the login throttle (429 for an address with too many failed
 * credentials), the credential (401 problem without a valid API key or JWT — every route, unknown
 * paths too), the route's role (403) and scope rule, its input schemas (400 naming the field), the
 * handler with the caller's scope, then the audit entry for a route that changes something.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Conveyor } from '../client/conveyor-api.ts';
import { internalsOf } from '../client/conveyor-internals.ts';
import type { EventBus } from '../events/event-bus.ts';
import { bearerToken } from '../http/bearer-auth.ts';
import { createHttpApp, json } from '../http/http-app.ts';
import { problem, problemResponse } from '../http/problem-response.ts';
import { safeError } from '../log/safe-error.ts';
import type { Notifier } from '../notify/notifier.ts';
import { ForbiddenError } from './api-errors.ts';
import { looksLikeApiKey, verifyApiKey } from './api-keys.ts';
import { type ApiRoute, route } from './api-route.ts';
import { BulkRunner } from './bulk-runner.ts';
import { clientAddress } from './client-address.ts';
import { defaultDashboardDir, loadDashboardAssets } from './dashboard-assets.ts';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';
import { openApiDocument } from './openapi-document.ts';
import {
  type ApiRole,
  type ApiTokenVerifier,
  isApiRole,
  type Principal,
  roleAllows,
  scopeOf,
} from './principal.ts';
import { jsonBody, parseInput, queryObject } from './request-input.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { insightRoutes } from './routes/insight-routes.ts';
import { jobRoutes } from './routes/job-routes.ts';
import { notificationRoutes } from './routes/notification-routes.ts';
import { queueRoutes } from './routes/queue-routes.ts';
import { scheduleRoutes } from './routes/schedule-routes.ts';
import {
  csrfAccepted,
  csrfRefused,
  registerSessionRoutes,
  SESSION_OPENAPI,
  sessionPrincipal,
} from './session-routes.ts';
import { type SessionOptions, SessionStore } from './session-store.ts';
import { StreamHub } from './stream-hub.ts';

export interface ApiAuthOptions {
  /**
   * Bearer tokens that are not API keys (JWTs): verified by this (a function, or an object with
   * `verify`, such as the realtime gateway's JwtVerifier). Without it, only API keys are accepted.
   */
  tokens?: ApiTokenVerifier;
}

export interface ApiHandlerOptions {
  conveyor: Conveyor;
  /**
   * How callers prove who they are: API keys (always) and, with `tokens`, JWTs. `'disabled'` makes
   * every caller an unscoped admin: for a loopback-only development server (`conveyor dashboard`
   * refuses any other address then).
   */
  auth: ApiAuthOptions | 'disabled';
  /** Where the API is mounted (default `/api/v1`). */
  basePath?: string;
  /** Largest request body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Failed-credential limit per client address (default 10 a minute). */
  loginThrottle?: LoginThrottleOptions;
  /**
   * Take the client address from the first `X-Forwarded-For` entry (behind a proxy you trust);
   * default false: the socket's address on Node, else `unknown`.
   */
  trustProxy?: boolean;
  /**
   * The event bus (createEventBus): serves `/events` (recent events, consumer lag, replay).
   * Without it those routes are not served and not in the OpenAPI document.
   */
  events?: EventBus;
  /**
   * The notifier (createNotifier): serves `/notifications` (the caller's own inbox). Without it
   * those routes are not served and not in the OpenAPI document.
   */
  notifier?: Notifier;
  /**
   * Serve the dashboard (the web UI, built into the package) at `dashboardPath` (default true).
   * Its static files are the only thing served without a credential. docs/dashboard.md.
   */
  dashboard?: boolean;
  /** Where the dashboard is served (default `/`). */
  dashboardPath?: string;
  /** The built dashboard's folder (default: the package's `dist/dashboard/`). */
  dashboardDir?: string;
  /** Browser sessions (`POST /session`): lifetime, idle timeout, how many at once. */
  sessions?: SessionOptions;
}

/**
 * The API: a Hono app (`fetch` is the Fetch handler) plus `settled()`, which ends the open live
 * streams (GET /stream; clients reconnect) and waits for bulk actions: call it before shutting
 * down; and `loginCode()`, which makes a one-time login code for the dashboard (single use,
 * default 15 minutes; `POST /session` with `{ code }` exchanges it for a session).
 */
export type ApiHandler = Hono & {
  settled(): Promise<void>;
  readonly streams: StreamHub;
  loginCode(options?: { role?: ApiRole; tenantId?: string | null; ttlMs?: number }): string;
};

type Env = { Variables: { principal: Principal; ip: string } };

const emptyQuery = z.strictObject({});

const ANONYMOUS: Principal = { id: 'anonymous', role: 'admin', tenantId: null };

const honoPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

function unauthorized(detail: string): Response {
  return problemResponse(problem(401, 'UNAUTHORIZED', detail), { 'www-authenticate': 'Bearer' });
}

export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const { conveyor } = options;
  if (options.auth !== 'disabled' && (typeof options.auth !== 'object' || options.auth === null)) {
    throw new TypeError("auth: give {} (API keys), { tokens } (API keys and JWTs) or 'disabled'");
  }
  const internals = internalsOf(conveyor);
  const basePath = (options.basePath ?? '/api/v1').replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const throttle = new LoginThrottle(options.loginThrottle);
  const sessions = new SessionStore(options.sessions);
  const bulk = new BulkRunner({
    store: internals.store,
    now: internals.now,
    logger: conveyor.logger,
    cancel: internals.cancelJobs,
  });
  const log = conveyor.logger;
  const streams = new StreamHub({ store: internals.store, log });

  const verifyToken = async (token: string): Promise<Principal | null> => {
    if (looksLikeApiKey(token)) return verifyApiKey(await internals.store(), token);
    if (options.auth === 'disabled' || !options.auth.tokens) return null;
    try {
      const { tokens } = options.auth;
      const claims = typeof tokens === 'function' ? await tokens(token) : await tokens.verify(token);
      if (!claims || !isApiRole(claims.role) || typeof claims.userId !== 'string' || claims.userId === '') {
        return null;
      }
      return { id: `jwt:${claims.userId}`, role: claims.role, tenantId: claims.tenantId ?? null };
    } catch (error) {
      // An invalid token is an ordinary refusal; its reason (never the token) goes to debug logs.
      log.debug({ err: safeError(error) }, 'bearer token refused by the verifier');
      return null;
    }
  };

  const routes: ApiRoute[] = [
    ...queueRoutes,
    ...jobRoutes,
    ...adminRoutes,
    ...scheduleRoutes,
    ...insightRoutes,
    ...dashboardRoutes,
    ...(options.events ? eventRoutes : []),
    ...(options.notifier ? notificationRoutes : []),
  ];
  const documentRoute = route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tag: 'meta',
    role: 'viewer',
    handle: async () => ({ body: document }),
  });
  routes.push(documentRoute);
  const document = openApiDocument(routes, basePath, '1', SESSION_OPENAPI);

  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    const ip = clientAddress(c.req.raw, c.env, options.trustProxy ?? false);
    c.set('ip', ip);
    if (options.auth === 'disabled') {
      c.set('principal', ANONYMOUS);
      return next();
    }
    const waitMs = throttle.retryAfterMs(ip);
    if (waitMs > 0) {
      return problemResponse(
        problem(429, 'TOO_MANY_REQUESTS', 'too many failed logins from this address; wait and try again'),
        { 'retry-after': String(Math.ceil(waitMs / 1000)) },
      );
    }
    const token = bearerToken(c.req.header('authorization'));
    if (token === '' && c.req.header('authorization') === undefined) {
      // No Bearer credential: a browser's session cookie, whose mutations must carry the CSRF token.
      const session = await sessionPrincipal(c, { sessions, verifyToken });
      if (session) {
        if (!csrfAccepted(c, session.csrfToken)) return csrfRefused();
        c.set('principal', session.principal);
        return next();
      }
    }
    if (token === '')
      return unauthorized(
        'send Authorization: Bearer <API key> (create one with `conveyor keys create`), or log in (POST /session)',
      );
    const principal = await verifyToken(token);
    if (!principal) {
      throttle.failed(ip);
      return unauthorized('the credential is not valid (unknown, revoked or expired)');
    }
    c.set('principal', principal);
    return next();
  });

  for (const r of routes) {
    api.on(r.method.toUpperCase(), honoPath(r.path), async (c) => {
      const principal = c.get('principal');
      if (!roleAllows(principal.role, r.role)) {
        throw new ForbiddenError(`this needs the ${r.role} role; the credential is ${principal.role}`);
      }
      if (r.unscopedOnly && principal.tenantId !== null) {
        throw new ForbiddenError('this changes every tenant; a tenant-scoped credential cannot call it');
      }
      const params = r.params ? parseInput(r.params, c.req.param(), 'path') : {};
      const query = queryObject(c.req.url);
      const parsedQuery = r.query
        ? parseInput(r.query, query, 'query')
        : Object.keys(query).length > 0
          ? parseInput(emptyQuery, query, 'query')
          : {};
      const body = r.body ? parseInput(r.body, await jsonBody(c.req.raw, maxBodyBytes), 'body') : undefined;
      const store = await internals.store();
      const now = internals.now();
      const result = await r.handle({
        params,
        query: parsedQuery,
        body,
        principal,
        scope: scopeOf(principal),
        store,
        conveyor,
        bulk,
        now,
        streams,
        signal: c.req.raw.signal,
        ...(options.events ? { events: options.events } : {}),
        ...(options.notifier ? { notifier: options.notifier } : {}),
      });
      if (r.audit) {
        const audit = result.audit ?? { target: null };
        await store.apiAuditInsert({
          entry: {
            at: now,
            actor: principal.id,
            role: principal.role,
            tenantId: principal.tenantId,
            action: r.audit,
            target: audit.target,
            before: audit.before ?? null,
            after: audit.after ?? null,
            ip: c.get('ip'),
          },
        });
      }
      return result.response ?? json(result.status ?? 200, result.body);
    });
  }

  const app = createHttpApp({ logger: log });
  registerSessionRoutes(app, {
    basePath,
    sessions,
    throttle,
    verifyToken: options.auth === 'disabled' ? null : verifyToken,
    clientIp: (c) => clientAddress(c.req.raw, c.env, options.trustProxy ?? false),
    trustProxy: options.trustProxy ?? false,
  });
  app.route(basePath, api);
  // Hono answers errors of a mounted app with the parent's handler; a route's own refusals are
  // ConveyorErrors and become problems there (problem-response.ts).
  if (options.dashboard ?? true) serveDashboard(app, options, basePath);
  return Object.assign(app, {
    streams,
    settled: async () => {
      await streams.close();
      await bulk.settled();
    },
    loginCode: (code: { role?: ApiRole; tenantId?: string | null; ttlMs?: number } = {}) =>
      sessions.loginCode(code.role ?? 'admin', code.tenantId ?? null, code.ttlMs),
  }) as ApiHandler;
}

/** The dashboard's files at `dashboardPath`, for GET and HEAD outside the API's base path. */
function serveDashboard(app: Hono, options: ApiHandlerOptions, basePath: string): void {
  const mountPath = `${(options.dashboardPath ?? '/').replace(/\/+$/, '')}/`;
  const dir = options.dashboardDir ?? defaultDashboardDir();
  if (dir === null) {
    options.conveyor.logger.warn('the dashboard is not built (no dist/dashboard/): run `npm run build`');
    return;
  }
  const assets = loadDashboardAssets(dir, mountPath, basePath);
  app.on(['GET', 'HEAD'], '*', (c) => {
    const { pathname } = new URL(c.req.url);
    if (pathname === basePath || pathname.startsWith(`${basePath}/`)) return c.notFound();
    if (`${pathname}/` === mountPath) return c.redirect(mountPath, 308);
    if (!pathname.startsWith(mountPath)) return c.notFound();
    let path: string;
    try {
      path = decodeURIComponent(pathname.slice(mountPath.length));
    } catch {
      return c.notFound();
    }
    return assets.respond(path) ?? c.notFound();
  });
}
