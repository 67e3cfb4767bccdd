/**
 * Queues: counts per state (within the caller's scope), settings, limits and retention; pause and
 * resume of a queue or of one group. Queue-wide changes affect every tenant, so they need an
 * unscoped credential; a tenant-scoped operator may pause and resume its own group only (another
 * group reads as absent).
 */
import { z } from 'zod';
import { internalsOf } from '../../client/conveyor-internals.ts';
import type { JobState } from '../../core/job.ts';
import { JOB_STATES } from '../../core/job.ts';
import { inScope } from '../../core/scope.ts';
import { NotFoundError } from '../api-errors.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import { name, queueParams } from '../api-schemas.ts';

const groupParams = z.strictObject({ queue: name, group: name });

const rate = z.strictObject({ max: z.number().int().min(1), per: z.string().min(1).max(50) }).nullable();

const limitsBody = z.strictObject({
  priority: z.number().int().optional(),
  globalConcurrency: z.number().int().min(0).nullable().optional(),
  groupConcurrency: z.number().int().min(0).nullable().optional(),
  rateLimit: rate.optional(),
  groupRateLimit: rate.optional(),
});

function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}

async function queueViews(context: RouteContext<unknown, unknown, unknown>) {
  const { store, scope, conveyor } = context;
  const [settings, counts] = await Promise.all([store.queueList({}), store.apiCountByState({ scope })]);
  const names = new Set<string>([
    ...[...conveyor.definitions.values()].map((d) => d.queue),
    ...settings.map((s) => s.name),
    ...counts.map((c) => c.queue),
  ]);
  const { retention } = internalsOf(conveyor);
  return [...names].sort().map((queue) => {
    const perState = emptyCounts();
    for (const row of counts) if (row.queue === queue) perState[row.state] += row.count;
    return {
      queue,
      counts: perState,
      settings: settings.find((s) => s.name === queue) ?? null,
      retention: retention(queue),
    };
  });
}

async function setGroupPaused(
  context: RouteContext<{ queue: string; group: string }, unknown, unknown>,
  paused: boolean,
) {
  const { queue, group } = context.params;
  // A tenant's group is keyed by its tenant id: a scoped caller reaches its own only.
  if (!inScope(context.scope, group)) throw new NotFoundError(`group ${group} in queue ${queue}`);
  const before = (await context.conveyor.queues.groups(queue)).find((g) => g.groupKey === group) ?? null;
  const row = paused
    ? await context.conveyor.queues.pauseGroup(queue, group)
    : await context.conveyor.queues.resumeGroup(queue, group);
  return {
    body: row,
    audit: {
      target: `group:${queue}/${group}`,
      before: { paused: before?.paused ?? false },
      after: { paused: row.paused },
    },
  };
}

async function setQueuePaused(context: RouteContext<{ queue: string }, unknown, unknown>, paused: boolean) {
  const { queue } = context.params;
  const before = (await context.store.queueList({ names: [queue] }))[0] ?? null;
  if (paused) await context.conveyor.queues.pause(queue);
  else await context.conveyor.queues.resume(queue);
  return {
    body: { queue, paused },
    audit: { target: `queue:${queue}`, before: { paused: before?.paused ?? false }, after: { paused } },
  };
}

export const queueRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/queues',
    operationId: 'listQueues',
    summary: 'Every queue: job counts per state (your tenant only when scoped), settings, retention',
    tag: 'queues',
    role: 'viewer',
    handle: async (context) => ({ body: { items: await queueViews(context) } }),
  }),
  route({
    method: 'post',
    path: '/queues/{queue}/pause',
    operationId: 'pauseQueue',
    summary: 'Pause a queue (running jobs finish, queued ones wait)',
    tag: 'queues',
    role: 'operator',
    unscopedOnly: true,
    params: queueParams,
    audit: 'queue.pause',
    handle: (context) => setQueuePaused(context, true),
  }),
  route({
    method: 'post',
    path: '/queues/{queue}/resume',
    operationId: 'resumeQueue',
    summary: 'Resume a paused queue',
    tag: 'queues',
    role: 'operator',
    unscopedOnly: true,
    params: queueParams,
    audit: 'queue.resume',
    handle: (context) => setQueuePaused(context, false),
  }),
  route({
    method: 'post',
    path: '/queues/{queue}/groups/{group}/pause',
    operationId: 'pauseGroup',
    summary: 'Pause one group (tenant) of a queue; a tenant-scoped credential: its own group',
    tag: 'queues',
    role: 'operator',
    params: groupParams,
    audit: 'group.pause',
    errors: [404],
    handle: (context) => setGroupPaused(context, true),
  }),
  route({
    method: 'post',
    path: '/queues/{queue}/groups/{group}/resume',
    operationId: 'resumeGroup',
    summary: 'Resume one group of a queue',
    tag: 'queues',
    role: 'operator',
    params: groupParams,
    audit: 'group.resume',
    errors: [404],
    handle: (context) => setGroupPaused(context, false),
  }),
  route({
    method: 'patch',
    path: '/queues/{queue}/limits',
    operationId: 'setQueueLimits',
    summary: 'Change limits and priority at runtime, for every worker (null clears a limit)',
    tag: 'queues',
    role: 'admin',
    unscopedOnly: true,
    params: queueParams,
    body: limitsBody,
    audit: 'queue.limits',
    async handle({ conveyor, store, params, body }) {
      const before = (await store.queueList({ names: [params.queue] }))[0] ?? null;
      const change = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
      await conveyor.queues.configure(params.queue, change);
      const after = (await store.queueList({ names: [params.queue] }))[0] ?? null;
      return { body: after, audit: { target: `queue:${params.queue}`, before, after } };
    },
  }),
];
