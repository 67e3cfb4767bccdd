/**
 * `POST /session` (log in with an API key, a JWT, or a one-time login code; sets the session
 * cookie), `GET /session` (who the cookie speaks for, with the CSRF token the page must send) and
 * `DELETE /session` (log out). They sit in front of the API's credential check: logging in is how
 * a browser gets a credential. A bad key or code counts against the login throttle, exactly as a
 * bad Bearer credential does.
 *
 * The cookie: `conveyor_session=<random id>; HttpOnly; SameSite=Strict; Path=/` (+ `Secure` when the
 * request came over https), Max-Age the session's lifetime. The session store is session-store.ts.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { json } from '../http/http-app.ts';
import { problem, problemResponse } from '../http/problem-response.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { type JsonSchema, toSchema } from './openapi-document.ts';
import type { Principal } from './principal.ts';
import { jsonBody, parseInput } from './request-input.ts';
import { type SessionStore, sameSecret } from './session-store.ts';

export const SESSION_COOKIE = 'conveyor_session';

const loginBody = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('an API key (or a JWT when the server accepts them)'),
    code: z.string().min(1).max(200).optional().describe('a one-time login code'),
  })
  .refine((body) => (body.key === undefined) !== (body.code === undefined), {
    message: 'give either key (an API key) or code (a one-time login code)',
    path: ['key'],
  });

const problemRef = (description: string): JsonSchema => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const sessionSchema: JsonSchema = {
  type: 'object',
  properties: {
    role: { enum: ['viewer', 'operator', 'admin'] },
    tenantId: { type: ['string', 'null'] },
    csrfToken: { type: ['string', 'null'], description: 'send it as X-CSRF-Token on every mutating request' },
    expiresAt: { type: ['string', 'null'] },
  },
};

/** The session routes in the OpenAPI document (they need no credential: they make one). */
export const SESSION_OPENAPI: Record<string, Record<string, JsonSchema>> = {
  '/session': {
    post: {
      operationId: 'login',
      summary: 'Log in with an API key (or JWT) or a one-time login code; sets the session cookie',
      tags: ['auth'],
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: toSchema(loginBody) } } },
      responses: {
        '200': {
          description: 'Logged in; Set-Cookie: conveyor_session (HttpOnly; SameSite=Strict)',
          content: { 'application/json': { schema: sessionSchema } },
        },
        '400': problemRef('Invalid input (the problem names the field)'),
        '401': problemRef('The key or code is not valid'),
        '429': problemRef('Too many failed logins from this address'),
      },
    },
    get: {
      operationId: 'currentSession',
      summary: "The session cookie's role, tenant and CSRF token",
      tags: ['auth'],
      security: [{ session: [] }],
      responses: {
        '200': { description: 'The session', content: { 'application/json': { schema: sessionSchema } } },
        '401': problemRef('Not logged in'),
      },
    },
    delete: {
      operationId: 'logout',
      summary: 'Log out: ends the session and clears the cookie (X-CSRF-Token required)',
      tags: ['auth'],
      security: [{ session: [] }],
      responses: { '204': { description: 'Logged out' }, '403': problemRef('Missing or wrong X-CSRF-Token') },
    },
  },
};

export interface SessionRouteOptions {
  basePath: string;
  sessions: SessionStore;
  throttle: LoginThrottle;
  /** null: auth is disabled (every caller is an unscoped admin). */
  verifyToken: ((token: string) => Promise<Principal | null>) | null;
  clientIp(c: Context): string;
  trustProxy: boolean;
}

/** Whether the request reached us over https (the proxy's word only when it is trusted). */
function isHttps(c: Context, trustProxy: boolean): boolean {
  if (trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}

const sessionView = (principal: Principal, csrfToken: string | null, expiresAt: number | null) => ({
  role: principal.role,
  tenantId: principal.tenantId,
  csrfToken,
  expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
});

/** The principal of the request's session cookie (verifying its credential again), or null. */
export async function sessionPrincipal(
  c: Context,
  options: Pick<SessionRouteOptions, 'sessions' | 'verifyToken'>,
): Promise<{ principal: Principal; csrfToken: string } | null> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id) return null;
  const session = options.sessions.get(id);
  if (!session) return null;
  if (session.credential !== null) {
    const principal = options.verifyToken ? await options.verifyToken(session.credential) : null;
    if (!principal) {
      options.sessions.delete(id);
      return null;
    }
    session.principal = principal;
  }
  return { principal: session.principal, csrfToken: session.csrfToken };
}

/** Whether a cookie-authenticated request carries the session's CSRF token (reads never need it). */
export function csrfAccepted(c: Context, csrfToken: string): boolean {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return true;
  const given = c.req.header('x-csrf-token');
  return given !== undefined && sameSecret(given, csrfToken);
}

export function csrfRefused(): Response {
  return problemResponse(
    problem(
      403,
      'CSRF_TOKEN_INVALID',
      'a request authenticated by the session cookie must send the X-CSRF-Token header given at login (GET /session returns it)',
    ),
  );
}

export function registerSessionRoutes(app: Hono, options: SessionRouteOptions): void {
  const path = `${options.basePath}/session`;
  const { sessions, throttle } = options;

  app.post(path, async (c) => {
    if (!options.verifyToken) return json(200, sessionView(ANONYMOUS_ADMIN, null, null));
    const ip = options.clientIp(c);
    const waitMs = throttle.retryAfterMs(ip);
    if (waitMs > 0) {
      return problemResponse(
        problem(429, 'TOO_MANY_REQUESTS', 'too many failed logins from this address; wait and try again'),
        { 'retry-after': String(Math.ceil(waitMs / 1000)) },
      );
    }
    const body = parseInput(loginBody, await jsonBody(c.req.raw, 16_384), 'body');
    const principal =
      body.code !== undefined
        ? sessions.redeem(body.code)
        : body.key !== undefined
          ? await options.verifyToken(body.key)
          : null;
    if (!principal) {
      throttle.failed(ip);
      return problemResponse(
        problem(
          401,
          'UNAUTHORIZED',
          body.code !== undefined
            ? 'the login code is not valid (unknown, already used or expired); start the demo again for a new one'
            : 'the key is not valid (unknown, revoked or expired); create one with `conveyor keys create`',
        ),
      );
    }
    const { id, session } = sessions.create(principal, body.key ?? null);
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c, options.trustProxy),
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    c.header('cache-control', 'no-store');
    return c.json(sessionView(principal, session.csrfToken, session.expiresAt), 200);
  });

  app.get(path, async (c) => {
    if (!options.verifyToken) return json(200, sessionView(ANONYMOUS_ADMIN, null, null));
    const found = await sessionPrincipal(c, options);
    if (!found) {
      return problemResponse(problem(401, 'UNAUTHORIZED', 'not logged in: POST /session with an API key'));
    }
    return json(200, sessionView(found.principal, found.csrfToken, null));
  });

  app.delete(path, async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id && options.verifyToken) {
      const found = await sessionPrincipal(c, options);
      if (found && !csrfAccepted(c, found.csrfToken)) return csrfRefused();
      sessions.delete(id);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c, options.trustProxy) });
    c.header('cache-control', 'no-store');
    return c.body(null, 204);
  });
}

const ANONYMOUS_ADMIN: Principal = { id: 'anonymous', role: 'admin', tenantId: null };
