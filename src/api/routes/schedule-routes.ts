/**
 * Schedules: list with next fire times and the last run's state, create, update, pause, resume,
 * remove, fire now. A tenant-scoped credential lists its tenant's schedules only, reaches no other
 * by name (404) and creates schedules for its own tenant.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import { inScope, scopeTenant } from '../../core/scope.ts';
import type { ScheduleInfo } from '../../scheduler/schedule-definition.ts';
import { NotFoundError } from '../api-errors.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import { limit, name, nameParams } from '../api-schemas.ts';

const missed = z.union([z.enum(['skip', 'runOnce']), z.strictObject({ catchUp: z.number().int().min(1) })]);
const fields = {
  job: name.describe('the job name to enqueue'),
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).optional(),
  payload: z.unknown().optional(),
  tenantId: name.optional(),
  missed: missed.optional(),
  overlap: z.enum(['skip', 'allow', 'queue']).optional(),
  runOnStart: z.boolean().optional(),
};
const createBody = z.strictObject({ name, ...fields, paused: z.boolean().optional() });
const updateBody = z.strictObject(fields).partial();

/** The schedule by name inside the caller's scope; 404 when absent or another tenant's. */
async function scopedSchedule(
  context: RouteContext<{ name: string }, unknown, unknown>,
): Promise<ScheduleInfo> {
  const info = await context.conveyor.schedules.get(context.params.name, { fireTimes: 5 });
  if (!info || !inScope(context.scope, info.tenantId))
    throw new NotFoundError(`schedule ${context.params.name}`);
  return info;
}

function ownTenant(
  context: RouteContext<unknown, unknown, unknown>,
  given: string | undefined,
): string | undefined {
  const tenant = scopeTenant(context.scope);
  if (tenant === null) return given;
  if (given !== undefined && given !== tenant) {
    throw new ValidationError(
      'body.tenantId',
      "a tenant-scoped credential manages its own tenant's schedules only; leave it out",
    );
  }
  return tenant;
}

async function withLastRun(context: RouteContext<unknown, unknown, unknown>, info: ScheduleInfo) {
  const last = info.lastJobId
    ? await context.store.apiJobGet({ scope: context.scope, id: info.lastJobId })
    : null;
  return { ...info, lastRun: last ? { id: last.id, state: last.state, finishedAt: last.finishedAt } : null };
}

const pauseRoute = (paused: boolean) =>
  route({
    method: 'post',
    path: `/schedules/{name}/${paused ? 'pause' : 'resume'}`,
    operationId: paused ? 'pauseSchedule' : 'resumeSchedule',
    summary: paused ? 'Stop a schedule firing until resumed' : 'Resume a schedule from its next fire time',
    tag: 'schedules',
    role: 'operator',
    params: nameParams,
    audit: paused ? 'schedule.pause' : 'schedule.resume',
    errors: [404],
    async handle(context) {
      const before = await scopedSchedule(context);
      const after = paused
        ? await context.conveyor.schedules.pause(before.name)
        : await context.conveyor.schedules.resume(before.name);
      return {
        body: after,
        audit: {
          target: `schedule:${before.name}`,
          before: { paused: before.paused },
          after: { paused: after.paused },
        },
      };
    },
  });

export const scheduleRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/schedules',
    operationId: 'listSchedules',
    summary: 'Schedules with their next fire times and the state of their last run',
    tag: 'schedules',
    role: 'viewer',
    query: z.strictObject({ prefix: name.optional(), limit: limit(100, 1000) }),
    async handle(context) {
      const tenant = scopeTenant(context.scope);
      const list = await context.conveyor.schedules.list({
        ...(tenant !== null ? { tenantId: tenant } : {}),
        ...(context.query.prefix ? { prefix: context.query.prefix } : {}),
        limit: context.query.limit,
      });
      return { body: { items: await Promise.all(list.map((info) => withLastRun(context, info))) } };
    },
  }),
  route({
    method: 'get',
    path: '/schedules/{name}',
    operationId: 'getSchedule',
    summary: 'One schedule',
    tag: 'schedules',
    role: 'viewer',
    params: nameParams,
    errors: [404],
    handle: async (context) => ({ body: await withLastRun(context, await scopedSchedule(context)) }),
  }),
  route({
    method: 'post',
    path: '/schedules',
    operationId: 'createSchedule',
    summary: 'Add a schedule (a tenant-scoped credential: for its tenant)',
    tag: 'schedules',
    role: 'operator',
    body: createBody,
    audit: 'schedule.create',
    async handle(context) {
      const { tenantId, ...rest } = context.body;
      const tenant = ownTenant(context, tenantId);
      const info = await context.conveyor.schedules.add({
        ...rest,
        ...(tenant !== undefined ? { tenantId: tenant } : {}),
      });
      return { status: 201, body: info, audit: { target: `schedule:${info.name}`, after: info } };
    },
  }),
  route({
    method: 'patch',
    path: '/schedules/{name}',
    operationId: 'updateSchedule',
    summary: 'Change fields of a schedule',
    tag: 'schedules',
    role: 'operator',
    params: nameParams,
    body: updateBody,
    audit: 'schedule.update',
    errors: [404],
    async handle(context) {
      const before = await scopedSchedule(context);
      const { tenantId, ...rest } = context.body;
      const tenant = tenantId === undefined ? undefined : ownTenant(context, tenantId);
      const changes = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const after = await context.conveyor.schedules.update(before.name, {
        ...changes,
        ...(tenant !== undefined ? { tenantId: tenant } : {}),
      });
      return { body: after, audit: { target: `schedule:${before.name}`, before, after } };
    },
  }),
  pauseRoute(true),
  pauseRoute(false),
  route({
    method: 'delete',
    path: '/schedules/{name}',
    operationId: 'removeSchedule',
    summary: 'Remove a schedule (jobs it enqueued stay)',
    tag: 'schedules',
    role: 'admin',
    params: nameParams,
    audit: 'schedule.remove',
    errors: [404],
    async handle(context) {
      const before = await scopedSchedule(context);
      await context.conveyor.schedules.remove(before.name);
      return {
        body: { name: before.name, removed: true },
        audit: { target: `schedule:${before.name}`, before },
      };
    },
  }),
  route({
    method: 'post',
    path: '/schedules/{name}/fire',
    operationId: 'fireSchedule',
    summary: "Enqueue the schedule's job now, once (its next fire time is unchanged)",
    tag: 'schedules',
    role: 'operator',
    params: nameParams,
    audit: 'schedule.fire',
    errors: [404],
    async handle(context) {
      const info = await scopedSchedule(context);
      const enqueued = await context.conveyor.enqueueByName(info.job, info.payload ?? {}, {
        ...(info.tenantId !== null ? { tenantId: info.tenantId } : {}),
        metadata: { schedule: info.name, firedBy: context.principal.id },
      });
      return {
        status: 201,
        body: { schedule: info.name, ...enqueued },
        audit: { target: `schedule:${info.name}`, after: { jobId: enqueued.id } },
      };
    },
  }),
];
