/**
 * The HTTP trigger for serverless hosts (Leora on Vercel): a cron service calls
 * `POST /jobs/process?job=NAME` or `?budget=50s` with `Authorization: Bearer <secret>`.
 *   - `?job=NAME`: enqueues that job; an optional JSON body is its payload (default `{}`).
 *   - `?budget=50s[&queues=a,b]`: ticks due schedules, then runs queued work for at most that long
 *     and answers `{ processed, completed, failed, remaining, durationMs }`.
 * Both together enqueue first, then drain.
 *
 * Order of checks, each before anything runs: the bearer secret (constant time, bearer-auth.ts;
 * 401), the method (405); then the
 * body is read up to `maxBodyBytes` (413 past it). Errors answer as problems (problem-response.ts).
 *
 * `createTriggerHandler` returns a Web-standard `(request: Request) => Promise<Response>`: export it
 * as `POST` from a Next.js route handler, or use it in any Fetch-API framework; `toNodeHandler`
 * adapts it to Node's `http.createServer((req, res) => …)`. It does not check the path: mount it
 * where the route should be.
 */
import type { Conveyor } from '../client/conveyor.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';
import { drainForBudget } from '../worker/drain-for-budget.ts';
import { bearerSecrets, requireBearer } from './bearer-auth.ts';
import { allowMethods, createHttpApp, json } from './http-app.ts';
import { readBodyText } from './request-body.ts';

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

function parsePayload(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'is not valid JSON; send the payload as a JSON object, or no body');
  }
}

export function createTriggerHandler(
  conveyor: Conveyor,
  options: TriggerHandlerOptions,
): (request: Request) => Promise<Response> {
  const secrets = bearerSecrets(options.secret);
  const maxBudgetMs = parseDuration(options.maxBudget ?? '15m', 'maxBudget');
  const methods = options.methods ?? ['POST'];
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;

  const app = createHttpApp({ logger: conveyor.logger });
  app.use(requireBearer(secrets));
  app.use(allowMethods(methods));
  app.all('*', async (c) => {
    const params = new URL(c.req.url).searchParams;
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
      const enqueued = await conveyor.enqueueByName(
        job,
        parsePayload(await readBodyText(c.req.raw, maxBodyBytes)),
      );
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
  });
  return async (request) => app.fetch(request);
}
