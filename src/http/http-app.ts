/**
 * The base of every Conveyor HTTP surface: a Hono app (Fetch-standard `Request → Response`, so it
 * runs on Node through node-adapter.ts, and as is on serverless and edge hosts) whose errors and
 * unknown paths answer as problems (problem-response.ts), with a 5xx logged by its safe fields.
 *
 * A route group (the REST API, the dashboard) is a few lines on top of it:
 *
 *   const app = createHttpApp({ logger });
 *   const api = new Hono().use(requireBearer(bearerSecrets(options.secret)));
 *   api.get('/jobs/:id', async (c) => json(200, await conveyor.getJob(c.req.param('id'))));
 *   allowOnly(api, '/jobs/:id', ['GET', 'HEAD']);
 *   app.route('/api', api);
 *
 * A handler throws ConveyorErrors as they come (a ValidationError becomes 400 naming its field, an
 * unreachable database 503); it never builds an error response of its own.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import { problem, problemFromError, problemResponse } from './problem-response.ts';

export interface HttpAppOptions {
  /** Where a 5xx is logged (the error's safe fields, the method and the path); none when absent. */
  logger?: Logger | undefined;
}

/** A Hono app whose errors become problem responses and whose unknown paths answer 404. */
export function createHttpApp(options: HttpAppOptions = {}): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const details = problemFromError(error);
    if (details.status >= 500) {
      options.logger?.error(
        { err: safeError(error), method: c.req.method, path: c.req.path, status: details.status },
        'HTTP request failed',
      );
    }
    return problemResponse(details);
  });
  app.notFound(() => problemResponse(problem(404, 'NOT_FOUND', 'no such endpoint')));
  return app;
}

/** A JSON response, never cached. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The 405 answer, naming the methods that are allowed. */
export function methodNotAllowed(allowed: readonly string[]): Response {
  return problemResponse(problem(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')}`), {
    allow: allowed.join(', '),
  });
}

/**
 * Middleware: a request with another method than `allowed` gets 405 before any handler runs. HEAD
 * is a method of its own here (it is not let through as GET): the trigger's GET has effects.
 */
export function allowMethods(allowed: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (!allowed.includes(c.req.method)) return methodNotAllowed(allowed);
    await next();
  };
}

/**
 * Answers 405 on `path` for every method its routes do not handle; call it after them. (Hono
 * answers HEAD with the GET route, without the body.)
 */
export function allowOnly(app: Hono, path: string, allowed: readonly string[]): void {
  app.all(path, () => methodNotAllowed(allowed));
}
