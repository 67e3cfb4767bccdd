/**
 * The shared HTTP layer: errors as problem+json (status per ConveyorError code, 5xx without the
 * message, logged by safe fields), a route group with bearer auth in a few lines, the Node
 * adapter's body bound, and the observability endpoints mounted under a base path.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import { bearerSecrets, requireBearer } from '../../src/http/bearer-auth.ts';
import { allowOnly, createHttpApp, json } from '../../src/http/http-app.ts';
import {
  createObservabilityFetchHandler,
  createObservabilityHandler,
  type ProblemDetails,
  toNodeHandler,
} from '../../src/http/index.ts';
import { defineJob, UnknownJobError } from '../../src/index.ts';
import { DatabaseTimeoutError } from '../../src/store/database-timeout-error.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const SECRET = 'route-group-secret-0123456789';
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A route group as the REST API will add one: auth, a few routes, errors thrown as they come. */
function apiGroup(logs: string[]): Hono {
  const logger = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const app = createHttpApp({ logger });
  const api = new Hono().use(requireBearer(bearerSecrets(SECRET)));
  api.get('/jobs/:id', (c) => json(200, { id: c.req.param('id') }));
  api.post('/jobs', () => {
    throw new ValidationError('payload.email', 'must be an email address');
  });
  api.get('/unknown', () => {
    throw new UnknownJobError('nope', ['a']);
  });
  api.get('/slow', () => {
    throw new DatabaseTimeoutError('statement', 'db.internal:5432/app', 30_000, 'claim_jobs');
  });
  api.get('/bug', () => {
    throw new Error('secret-internal-detail at db.internal');
  });
  allowOnly(api, '/jobs/:id', ['GET', 'HEAD']);
  app.route('/api', api);
  return app;
}

async function problemOf(response: Response): Promise<ProblemDetails> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as ProblemDetails;
}

describe('a route group on the shared layer', () => {
  const logs: string[] = [];
  const app = apiGroup(logs);
  const call = (path: string, init: RequestInit = {}, secret: string | null = SECRET) =>
    app.fetch(
      new Request(`http://host${path}`, {
        ...init,
        headers: secret === null ? {} : { authorization: `Bearer ${secret}` },
      }),
    );

  it('refuses a missing or wrong secret with a 401 problem before any route runs', async () => {
    for (const secret of [null, 'wrong-secret-0123456789abc']) {
      const response = await call('/api/bug', {}, secret);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await problemOf(response)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
    expect(logs).toEqual([]);
    expect((await call('/api/jobs/7')).status).toBe(200);
  });

  it('maps thrown ConveyorErrors to their status, with the field of a ValidationError', async () => {
    const invalid = await call('/api/jobs', { method: 'POST' });
    expect(invalid.status).toBe(400);
    expect(await problemOf(invalid)).toEqual({
      type: 'urn:conveyor:problem:validation',
      title: 'Invalid request',
      status: 400,
      detail: 'payload.email: must be an email address',
      code: 'VALIDATION',
      field: 'payload.email',
      error: {
        code: 'VALIDATION',
        message: 'payload.email: must be an email address',
        field: 'payload.email',
      },
    });
    const unknown = await call('/api/unknown');
    expect(unknown.status).toBe(400);
    expect((await problemOf(unknown)).code).toBe('UNKNOWN_JOB');
  });

  it('answers a 5xx without the error message, and logs it by its safe fields', async () => {
    const slow = await call('/api/slow');
    expect(slow.status).toBe(503);
    const slowBody = await problemOf(slow);
    expect(slowBody).toMatchObject({ code: 'DATABASE_TIMEOUT', detail: 'the database is unreachable' });
    const bug = await call('/api/bug');
    expect(bug.status).toBe(500);
    const bugBody = await problemOf(bug);
    expect(bugBody).toMatchObject({ code: 'INTERNAL', detail: 'internal error; see the server log' });
    for (const body of [slowBody, bugBody]) expect(JSON.stringify(body)).not.toContain('db.internal');
    expect(logs).toHaveLength(2);
    expect(JSON.parse(logs[1]!)).toMatchObject({
      msg: 'HTTP request failed',
      method: 'GET',
      path: '/api/bug',
      status: 500,
      err: { message: 'secret-internal-detail at db.internal' },
    });
  });

  it('answers 404 and 405 as problems, with Allow', async () => {
    const missing = await call('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe('NOT_FOUND');
    const wrongMethod = await call('/api/jobs/7', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    expect((await problemOf(wrongMethod)).code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('toNodeHandler', () => {
  it('answers 413 to a body over the limit, declared or streamed, without calling the handler', async () => {
    const seen: string[] = [];
    const url = await listen(
      createServer(
        toNodeHandler(async (request) => {
          seen.push(await request.text());
          return new Response('ok');
        }, 16),
      ),
    );
    const small = await fetch(`${url}/x`, { method: 'POST', body: 'sixteen bytes ok' });
    expect(small.status).toBe(200);
    const declared = await fetch(`${url}/x`, { method: 'POST', body: 'x'.repeat(17) });
    expect(declared.status).toBe(413);
    expect((await problemOf(declared)).code).toBe('REQUEST_TOO_LARGE');
    const streamed = await fetch(`${url}/x`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('x'.repeat(10)));
          controller.enqueue(new TextEncoder().encode('x'.repeat(10)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(seen).toEqual(['sixteen bytes ok']);
  });

  it('answers 400 to a request it cannot read (a malformed Host header)', async () => {
    const url = new URL(await listen(createServer(toNodeHandler(() => new Response('ok')))));
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/x', headers: { host: 'bad host!' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({
      code: 'BAD_REQUEST',
      detail: expect.stringMatching(/^malformed request: /),
    });
  });
});

describe('observability endpoints', () => {
  const ok = defineJob({ name: 'ok', queue: 'h', handler: () => null });

  it('mount under a base path in a Node server: other paths are left to the host server', async () => {
    const conveyor = db.open({ jobs: [ok], metrics: { cacheMs: 0 } });
    const handle = createObservabilityHandler(conveyor, { basePath: '/ops/' });
    const url = await listen(
      createServer(async (req, res) => {
        if (await handle(req, res)) return;
        res.writeHead(418).end('host route');
      }),
    );
    expect((await fetch(`${url}/ops/metrics`)).status).toBe(200);
    for (const path of ['/metrics', '/ops/nope', '/opsx/health', '/']) {
      expect(await (await fetch(`${url}${path}`)).text()).toBe('host route');
    }
    const head = await fetch(`${url}/ops/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${url}/ops/analytics/overall`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serve as a Fetch handler, with 400 naming the bad filter', async () => {
    const conveyor = db.open({ jobs: [ok] });
    const handler = createObservabilityFetchHandler(conveyor);
    const health = await handler(new Request('http://host/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const bad = await handler(new Request('http://host/analytics/overall?since=yesterday'));
    expect(bad.status).toBe(400);
    expect(await problemOf(bad)).toMatchObject({ code: 'VALIDATION', field: 'since' });
    expect((await handler(new Request('http://host/elsewhere'))).status).toBe(404);
  });
});
