/**
 * The HTTP trigger for serverless hosts (Leora on Vercel): a cron service calls
 * `POST /jobs/process?job=NAME` or `?budget=50s` with `Authorization: Bearer <secret>`.
 *   - `?job=NAME`: enqueues that job; an optional JSON body is its payload (default `{}`).
 *   - `?budget=50s[&queues=a,b]`: ticks due schedules, then runs queued work for at most that long
 *     and answers `{ processed, completed, failed, remaining, durationMs }`.
 * Both together enqueue first, then drain.
 *
 * The secret check runs first and in constant time: both sides are hashed with SHA-256 to 32 bytes
 * and compared with crypto.timingSafeEqual, so the time spent does not depend on how long the
 * given secret is nor on how many leading characters match. Every configured secret (rotation) is
 * compared, without stopping at a match.
 *
 * `createTriggerHandler` returns a Web-standard `(request: Request) => Promise<Response>`: export it
 * as `POST` from a Next.js route handler, or use it in any Fetch-API framework. `toNodeHandler`
 * adapts it to Node's `http.createServer((req, res) => …)`. Neither checks the path: mount it where
 * the route should be.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Conveyor } from '../client/conveyor.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import { ConveyorError, ValidationError } from '../core/errors.ts';
import { safeError } from '../log/safe-error.ts';
import { drainForBudget } from '../worker/drain-for-budget.ts';

export interface TriggerHandlerOptions {
  /**
   * The bearer secret (e.g. `process.env.CRON_SECRET`); several during a rotation. At least 16
   * characters, printable ASCII without spaces (what a header carries).
   */
  secret: string | string[];
  /** Largest `?budget=` accepted (default 15m). */
  maxBudget?: Duration;
  /** Methods accepted (default POST; Vercel Cron sends GET, so add it there). */
  methods?: ('POST' | 'GET')[];
  /** Largest request body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time secret check over fixed-length digests; true if `given` equals any of `expected`. */
export function secretMatches(given: string, expected: readonly string[]): boolean {
  const givenDigest = digest(given);
  let matched = false;
  for (const secret of expected) {
    // No short-circuit: every secret is compared whatever the earlier results.
    matched = timingSafeEqual(givenDigest, digest(secret)) || matched;
  }
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header ('' when absent or another scheme). */
export function bearerToken(header: string | null): string {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });

function errorBody(error: unknown): { status: number; body: unknown } {
  if (error instanceof ConveyorError) {
    const status =
      error.code === 'VALIDATION' || error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'UNKNOWN_JOB';
    const field = error instanceof ValidationError ? { field: error.field } : {};
    return {
      status: status ? 400 : 500,
      body: { error: { code: error.code, message: error.message, ...field } },
    };
  }
  return {
    status: 500,
    body: { error: { code: 'ERROR', message: 'the trigger failed; see the server log' } },
  };
}

async function readPayload(request: Request, maxBodyBytes: number): Promise<unknown> {
  const text = await request.text();
  if (Buffer.byteLength(text, 'utf8') > maxBodyBytes) {
    throw new ValidationError('body', `is larger than ${maxBodyBytes} bytes`);
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'is not valid JSON; send the payload as a JSON object, or no body');
  }
}

/** Printable ASCII without spaces: what a bearer token in an HTTP header carries the same way everywhere. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * Rejects a secret no client can send: a header carries bytes, so a character beyond Latin-1
 * (`✓`) cannot be sent at all, one beyond ASCII (`é`) arrives as different characters from a
 * UTF-8 client, and a space ends the token. Every request would then get 401. The error says where
 * the character is, never the secret.
 */
function assertHeaderSafe(secret: string, index: number | null): void {
  if (HEADER_SAFE.test(secret)) return;
  const position = [...secret].findIndex((char) => !HEADER_SAFE.test(char));
  throw new ValidationError(
    index === null ? 'secret' : `secret[${index}]`,
    `has a space or a character outside printable ASCII (character ${position + 1}), which an ` +
      'Authorization header cannot carry: every request would get 401. Use letters, digits and ' +
      'punctuation only, e.g. `openssl rand -hex 32`',
  );
}

export function createTriggerHandler(
  conveyor: Conveyor,
  options: TriggerHandlerOptions,
): (request: Request) => Promise<Response> {
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new ValidationError('secret', 'needs at least 16 characters (e.g. `openssl rand -hex 32`)');
  }
  for (const [index, secret] of secrets.entries())
    assertHeaderSafe(secret, secrets.length > 1 ? index : null);
  const maxBudgetMs = parseDuration(options.maxBudget ?? '15m', 'maxBudget');
  const methods = options.methods ?? ['POST'];
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;

  return async (request) => {
    if (!secretMatches(bearerToken(request.headers.get('authorization')), secrets)) {
      return json(
        401,
        { error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer secret' } },
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
    if (!methods.includes(request.method as 'POST')) {
      return json(
        405,
        { error: { code: 'METHOD_NOT_ALLOWED', message: `use ${methods.join(' or ')}` } },
        {
          allow: methods.join(', '),
        },
      );
    }
    try {
      const params = new URL(request.url, 'http://localhost').searchParams;
      const job = params.get('job');
      const budget = params.get('budget');
      if (job === null && budget === null) {
        throw new ValidationError(
          'query',
          'give ?job=NAME to enqueue a job, or ?budget=50s to run queued work',
        );
      }
      const result: Record<string, unknown> = {};
      if (job !== null) {
        const payload = await readPayload(request, maxBodyBytes);
        const enqueued = await conveyor.enqueueByName(job, payload);
        result.enqueued = { job, ...enqueued };
      }
      if (budget !== null) {
        const budgetMs = parseDuration(budget, 'budget');
        if (budgetMs > maxBudgetMs) throw new ValidationError('budget', `must be at most ${maxBudgetMs} ms`);
        const queues = params
          .get('queues')
          ?.split(',')
          .map((q) => q.trim())
          .filter(Boolean);
        const tick = await conveyor.schedules.tick();
        const summary = await drainForBudget(conveyor, {
          budget: budgetMs,
          ...(queues?.length ? { queues } : {}),
        });
        Object.assign(result, summary, { scheduled: tick.enqueued.length });
      }
      return json(job !== null && budget === null ? 202 : 200, result);
    } catch (error) {
      const { status, body } = errorBody(error);
      if (status === 500) conveyor.logger.error({ err: safeError(error) }, 'HTTP trigger failed');
      return json(status, body);
    }
  };
}

/** Adapts a Fetch-API handler to Node's `http` `(req, res)` (a Node server, Express, Fastify's raw). */
export function toNodeHandler(
  handler: (request: Request) => Promise<Response>,
  maxBodyBytes = 1_048_576,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
      else if (!res.headersSent) {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"error":{"code":"TOO_LARGE","message":"request body too large"}}');
        req.destroy();
      }
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (res.headersSent) return;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) headers.set(name, value.join(', '));
      }
      const method = req.method ?? 'GET';
      const body = method === 'GET' || method === 'HEAD' ? null : Buffer.concat(chunks);
      // Only the path and query matter; the Host header is not trusted.
      const url = new URL(req.url ?? '/', 'http://localhost');
      handler(new Request(url, { method, headers, body }))
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"ERROR","message":"the trigger failed"}}');
        });
    });
  };
}
