/**
 * The event bus's views: recent events of a tenant (by sequence, oldest first, with a cursor),
 * consumer lag per durable subscriber and fan-out sink, and replay of one subscriber's events of
 * one tenant in a time window. Served only when createApiHandler is given the bus.
 *
 * Invariant — tenancy comes from the caller's scope (scopeTenant), never from the request alone:
 * a tenant-scoped credential reads its own tenant's stream whatever `tenant` says, and may replay
 * only its own tenant (another tenant's name is 404, as if it did not exist); only an unscoped
 * credential chooses the tenant (or, for replay, the global stream).
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import { scopeTenant } from '../../core/scope.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { NotFoundError } from '../api-errors.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import { instant, limit, name } from '../api-schemas.ts';

const sequence = z
  .string()
  .regex(/^\d{1,15}$/, 'must be an event sequence (a whole number from 0)')
  .transform(Number);

const eventsQuery = z.strictObject({
  tenant: name
    .optional()
    .describe('tenant id (required for an unscoped credential; a scoped one reads its own)'),
  after: sequence.optional().describe('the `nextCursor` of the previous page: events after this sequence'),
  limit: limit(100, 1000).describe('page size, 1 to 1000 (default 100)'),
});

const replayBody = z
  .strictObject({
    subscriber: name.describe('the durable subscription to re-deliver to'),
    tenant: name.optional().describe('the tenant whose events to replay (a scoped credential: its own)'),
    global: z.literal(true).optional().describe('replay the global stream instead (unscoped credentials)'),
    since: instant.describe('window start (inclusive)'),
    until: instant.describe('window end (exclusive)'),
  })
  .superRefine((body, ctx) => {
    if (body.tenant !== undefined && body.global === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['global'],
        message: 'give either tenant or global: true, not both',
      });
    }
    // A refinement may run after a field already failed: compare only two valid dates.
    const { since, until } = body as { since: unknown; until: unknown };
    if (since instanceof Date && until instanceof Date && until.getTime() <= since.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after since' });
    }
  });

type ReplayBody = z.output<typeof replayBody>;

function busOf(context: { events?: EventBus }): EventBus {
  // Routes of this file are registered only when the handler has a bus (api-handler.ts).
  if (!context.events) throw new NotFoundError('event bus on this API');
  return context.events;
}

/** The tenant a call reads or replays: the scope's own, or the one an unscoped caller named. */
function tenantOf(context: RouteContext<unknown, unknown, unknown>, given: string | undefined) {
  const own = scopeTenant(context.scope);
  if (own !== null) {
    if (given !== undefined && given !== own) throw new NotFoundError(`tenant "${given}"`);
    return own;
  }
  return given;
}

export const eventRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary: "Recent events of a tenant's stream, oldest first after `after` (cursor by sequence)",
    tag: 'events',
    role: 'viewer',
    query: eventsQuery,
    handle: async (context) => {
      const { query } = context;
      const tenantId = scopeTenant(context.scope) ?? query.tenant;
      if (tenantId === undefined) {
        throw new ValidationError('query.tenant', 'is required for an unscoped credential: name the tenant');
      }
      const page = await busOf(context).history.since({
        tenantId,
        afterSequence: query.after ?? 0,
        limit: query.limit,
      });
      const last = page.events.at(-1);
      return {
        body: {
          tenantId,
          items: page.events,
          complete: page.complete,
          nextCursor: last !== undefined && !page.complete ? String(last.sequence) : null,
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/events/lag',
    operationId: 'eventLag',
    summary:
      'Consumer lag per durable subscriber and fan-out sink (seconds behind; names only, no tenant data)',
    tag: 'events',
    role: 'viewer',
    handle: async (context) => ({ body: { items: await busOf(context).lag() } }),
  }),
  route({
    method: 'post',
    path: '/events/replay',
    operationId: 'replayEvents',
    summary: "Re-delivers one subscriber's events of one tenant (or the global stream) in [since, until)",
    tag: 'events',
    role: 'operator',
    body: replayBody,
    audit: 'events.replay',
    errors: [404],
    handle: async (context: RouteContext<Record<string, never>, Record<string, never>, ReplayBody>) => {
      const { body } = context;
      const tenantId = tenantOf(context, body.tenant);
      if (body.global === true && scopeTenant(context.scope) !== null) {
        throw new NotFoundError('global stream for a tenant-scoped credential');
      }
      if (tenantId === undefined && body.global !== true) {
        throw new ValidationError(
          'body.tenant',
          'is required: name the tenant whose events to replay, or give global: true',
        );
      }
      let result: { enqueued: number };
      try {
        result = await busOf(context).replay({
          subscriber: body.subscriber,
          ...(tenantId !== undefined ? { tenantId } : { global: true }),
          since: body.since,
          until: body.until,
        });
      } catch (error) {
        if (error instanceof ValidationError)
          throw new ValidationError(`body.${error.field}`, error.message.slice(error.field.length + 2));
        throw error;
      }
      const after = {
        subscriber: body.subscriber,
        tenantId: tenantId ?? null,
        since: body.since.toISOString(),
        until: body.until.toISOString(),
        enqueued: result.enqueued,
      };
      return { body: after, audit: { target: `subscriber:${body.subscriber}`, after } };
    },
  }),
];
