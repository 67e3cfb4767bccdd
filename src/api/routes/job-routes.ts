/**
 * Jobs: search (queue, name, state, tenant, time range, payload containment; cursor pages), detail
 * with every attempt, the single-job actions (retry, replay, cancel, promote, delete), editing a
 * payload then retrying it, and enqueueing by hand with a dry run. Every store call carries the
 * caller's scope: another tenant's job id reads as 404.
 */
import { z } from 'zod';
import { internalsOf } from '../../client/conveyor-internals.ts';
import { prepareJob } from '../../core/enqueue-options.ts';
import { PayloadTooLargeError, UnknownJobError, ValidationError } from '../../core/errors.ts';
import type { JobRecord } from '../../core/job.ts';
import { scopeTenant } from '../../core/scope.ts';
import { storableJson } from '../../core/storable-value.ts';
import type { JobAction } from '../../store/api-store.ts';
import { ConflictError, NotFoundError } from '../api-errors.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import {
  idParams,
  name,
  pageQueryFields,
  type SearchQuery,
  searchOf,
  searchQueryFields,
} from '../api-schemas.ts';
import { jsonDiff } from '../json-diff.ts';

export async function jobPage(
  context: RouteContext<unknown, SearchQuery & { cursor?: string | undefined; limit: number }, unknown>,
  forced: SearchQuery = {},
): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
  const { query } = context;
  const items = await context.store.apiJobSearch({
    scope: context.scope,
    search: searchOf({ ...query, ...forced }),
    ...(query.cursor ? { before: query.cursor } : {}),
    limit: query.limit,
  });
  return { items, nextCursor: items.length === query.limit ? (items.at(-1)?.id ?? null) : null };
}

const searchQuery = z.strictObject({ ...searchQueryFields, ...pageQueryFields });

const ACTIONS: { action: JobAction; summary: string; role: 'operator' | 'admin'; state: string }[] = [
  {
    action: 'retry',
    summary: 'Retry a dead or cancelled job (fresh attempts)',
    role: 'operator',
    state: 'dead or cancelled',
  },
  {
    action: 'replay',
    summary: 'Enqueue a fresh copy of a job, in any state',
    role: 'operator',
    state: 'any',
  },
  {
    action: 'cancel',
    summary: 'Cancel a scheduled, ready or running job',
    role: 'operator',
    state: 'scheduled, ready or active',
  },
  { action: 'promote', summary: 'Run a scheduled job now', role: 'operator', state: 'scheduled' },
];

async function act(context: RouteContext<{ id: string }, unknown, unknown>, action: JobAction) {
  const { id } = context.params;
  const before = await context.store.apiJobGet({ scope: context.scope, id });
  if (!before) throw new NotFoundError(`job ${id}`);
  // A cancel goes through the Conveyor, as conveyor.cancel() does: same statement, same event.
  const ids =
    action === 'cancel'
      ? await internalsOf(context.conveyor).cancelJobs(context.scope, [id])
      : await context.store.apiJobAct({ scope: context.scope, action, ids: [id], now: context.now });
  if (ids.length === 0) {
    throw new ConflictError(
      `job ${id} is ${before.state}; ${action} applies to a job that is ${ACTIONS.find((a) => a.action === action)?.state ?? 'not running'}`,
    );
  }
  const after = action === 'replay' ? null : await context.store.apiJobGet({ scope: context.scope, id });
  return {
    body: action === 'replay' ? { id, replayedAs: ids[0] } : { id, state: after?.state ?? null },
    audit: {
      target: `job:${id}`,
      before: { state: before.state },
      after: action === 'replay' ? { replayedAs: ids[0] } : { state: after?.state ?? null },
    },
  };
}

const enqueueBody = z.strictObject({
  name,
  payload: z.unknown().optional(),
  options: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('enqueue options: delay, runAt, priority, attempts, tenantId, groupKey, uniqueKey, metadata…'),
  dryRun: z.boolean().optional().describe('validate and show the job without writing it'),
});

const payloadBody = z.strictObject({
  payload: z.unknown(),
  retry: z
    .boolean()
    .optional()
    .describe('retry the job after the edit when it is dead or cancelled (default true)'),
});

/** The payload as it would be stored: the job's schema applied when its definition is known, else checked as JSON. */
function checkedPayload(
  context: RouteContext<unknown, unknown, unknown>,
  jobName: string,
  payload: unknown,
): unknown {
  const { maxPayloadBytes } = internalsOf(context.conveyor);
  const definition = context.conveyor.definitions.get(jobName);
  if (definition) {
    return prepareJob(definition, payload, {}, { now: context.now, maxPayloadBytes, path: 'body' }).payload;
  }
  if (payload === undefined)
    throw new ValidationError('body.payload', 'is required (use null or {} for none)');
  const bytes = Buffer.byteLength(storableJson(payload, 'body.payload') ?? '', 'utf8');
  if (bytes > maxPayloadBytes) throw new PayloadTooLargeError(bytes, maxPayloadBytes);
  return payload;
}

export const jobRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/jobs',
    operationId: 'searchJobs',
    summary: 'Search jobs by queue, name, state, tenant, creation time and payload; newest first',
    tag: 'jobs',
    role: 'viewer',
    query: searchQuery,
    handle: async (context) => ({ body: await jobPage(context) }),
  }),
  route({
    method: 'get',
    path: '/jobs/{id}',
    operationId: 'getJob',
    summary: 'A job with its payload, progress, result and every recorded attempt',
    tag: 'jobs',
    role: 'viewer',
    params: idParams,
    errors: [404],
    async handle({ store, scope, params }) {
      const job = await store.apiJobGet({ scope, id: params.id });
      if (!job) throw new NotFoundError(`job ${params.id}`);
      const runs = await store.apiJobRuns({ scope, id: params.id });
      return { body: { job, runs } };
    },
  }),
  ...ACTIONS.map(({ action, summary, role }) =>
    route({
      method: 'post',
      path: `/jobs/{id}/${action}`,
      operationId: `${action}Job`,
      summary,
      tag: 'jobs',
      role,
      params: idParams,
      audit: `job.${action}`,
      errors: [404, 409],
      handle: (context) => act(context, action),
    }),
  ),
  route({
    method: 'delete',
    path: '/jobs/{id}',
    operationId: 'deleteJob',
    summary: 'Delete a job that is not running, with its run history',
    tag: 'jobs',
    role: 'admin',
    params: idParams,
    audit: 'job.delete',
    errors: [404, 409],
    handle: (context) => act(context, 'delete'),
  }),
  route({
    method: 'put',
    path: '/jobs/{id}/payload',
    operationId: 'editJobPayload',
    summary: "Replace a waiting, dead or cancelled job's payload (checked by its schema), then retry it",
    tag: 'jobs',
    role: 'operator',
    params: idParams,
    body: payloadBody,
    audit: 'job.edit',
    errors: [404, 409, 413],
    async handle(context) {
      const { store, scope, params, body } = context;
      const job = await store.apiJobGet({ scope, id: params.id });
      if (!job) throw new NotFoundError(`job ${params.id}`);
      const payload = checkedPayload(context, job.name, body.payload);
      const changed = await store.apiJobPayloadSet({ scope, id: params.id, payload });
      if (!changed) {
        throw new ConflictError(
          `job ${params.id} is ${job.state}; a payload can be edited while a job is scheduled, ready, dead or cancelled`,
        );
      }
      const retry = (body.retry ?? true) && (job.state === 'dead' || job.state === 'cancelled');
      if (retry) await store.apiJobAct({ scope, action: 'retry', ids: [params.id], now: context.now });
      const after = await store.apiJobGet({ scope, id: params.id });
      return {
        body: { job: after, retried: retry },
        audit: {
          target: `job:${params.id}`,
          before: { state: job.state, payload: changed.before },
          after: {
            state: after?.state ?? null,
            payload: changed.after,
            diff: jsonDiff(changed.before, changed.after),
          },
        },
      };
    },
  }),
  route({
    method: 'post',
    path: '/jobs',
    operationId: 'enqueueJob',
    summary: 'Enqueue a job by name (a tenant-scoped credential: for its tenant); dryRun validates only',
    tag: 'jobs',
    role: 'operator',
    body: enqueueBody,
    audit: 'job.enqueue',
    errors: [413],
    async handle(context) {
      const { body, conveyor, scope } = context;
      const tenant = scopeTenant(scope);
      const options: Record<string, unknown> = { ...(body.options ?? {}) };
      if (tenant !== null) {
        if (options.tenantId !== undefined && options.tenantId !== tenant) {
          throw new ValidationError(
            'body.options.tenantId',
            'a tenant-scoped credential enqueues for its own tenant only; leave it out',
          );
        }
        options.tenantId = tenant;
      }
      if (typeof options.runAt === 'string') options.runAt = new Date(options.runAt);
      const definition = conveyor.definitions.get(body.name);
      if (!definition) throw new UnknownJobError(body.name, [...conveyor.definitions.keys()]);
      const { maxPayloadBytes } = internalsOf(conveyor);
      const prepared = prepareJob(definition, body.payload ?? {}, options, {
        now: context.now,
        maxPayloadBytes,
        path: 'body',
      });
      if (body.dryRun) {
        const { uniqueUntil: _u, ...job } = prepared;
        return {
          body: { dryRun: true, job },
          audit: { target: `job-name:${body.name}`, after: { dryRun: true } },
        };
      }
      const enqueued = await conveyor.enqueueByName(body.name, body.payload ?? {}, options);
      return {
        status: 201,
        body: { dryRun: false, ...enqueued },
        audit: {
          target: `job:${enqueued.id}`,
          after: { name: body.name, payload: prepared.payload, tenantId: prepared.tenantId },
        },
      };
    },
  }),
];
