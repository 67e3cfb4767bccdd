/**
 * Administration: API keys (create, list, revoke: unscoped admins), the audit log (admins; a
 * tenant-scoped admin reads its tenant's entries), bulk actions and their progress handles, and
 * `GET /me` (who the credential is).
 */
import { z } from 'zod';
import type { JobAction } from '../../store/api-store.ts';
import { ForbiddenError, NotFoundError } from '../api-errors.ts';
import { createApiKey } from '../api-keys.ts';
import { type ApiRoute, route } from '../api-route.ts';
import { jobId, limit, name, searchBody, searchOf } from '../api-schemas.ts';
import { roleAllows } from '../principal.ts';

const keyBody = z.strictObject({
  name,
  role: z.enum(['viewer', 'operator', 'admin']),
  tenantId: name.nullable().optional().describe('the one tenant the key may see; leave out for every tenant'),
});

const keyParams = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/, 'must be a key id (16 hex digits)'),
});

const bulkBody = z.strictObject({
  action: z.enum(['retry', 'cancel', 'promote', 'replay', 'delete']),
  filter: searchBody,
});

export const adminRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/me',
    operationId: 'whoAmI',
    summary: 'The calling credential: id, role and tenant',
    tag: 'auth',
    role: 'viewer',
    handle: async ({ principal }) => ({ body: principal }),
  }),
  route({
    method: 'get',
    path: '/keys',
    operationId: 'listKeys',
    summary: 'API keys (never their secrets)',
    tag: 'auth',
    role: 'admin',
    unscopedOnly: true,
    query: z.strictObject({ revoked: z.enum(['true', 'false']).optional().describe('include revoked keys') }),
    handle: async ({ store, query }) => ({
      body: { items: await store.apiKeyList({ includeRevoked: query.revoked === 'true' }) },
    }),
  }),
  route({
    method: 'post',
    path: '/keys',
    operationId: 'createKey',
    summary: 'Create an API key; the answer holds the key, shown this once',
    tag: 'auth',
    role: 'admin',
    unscopedOnly: true,
    body: keyBody,
    audit: 'key.create',
    async handle({ store, body, now }) {
      const created = await createApiKey(
        store,
        { name: body.name, role: body.role, tenantId: body.tenantId ?? null },
        now,
      );
      const { key: _secret, ...row } = created;
      return { status: 201, body: created, audit: { target: `key:${created.id}`, after: row } };
    },
  }),
  route({
    method: 'delete',
    path: '/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke an API key (at once, for every request after)',
    tag: 'auth',
    role: 'admin',
    unscopedOnly: true,
    params: keyParams,
    audit: 'key.revoke',
    errors: [404],
    async handle({ store, params, now }) {
      const row = await store.apiKeyRevoke({ id: params.id, now });
      if (!row) throw new NotFoundError(`active key ${params.id}`);
      return { body: row, audit: { target: `key:${row.id}`, after: { revokedAt: row.revokedAt } } };
    },
  }),
  route({
    method: 'get',
    path: '/audit',
    operationId: 'listAudit',
    summary: 'The audit log, newest first: who, role, tenant, action, target, before/after, time, IP',
    tag: 'auth',
    role: 'admin',
    query: z.strictObject({
      action: name.optional(),
      cursor: z
        .string()
        .regex(/^\d{1,18}$/, 'must be an audit entry id')
        .optional(),
      limit: limit(100, 1000),
    }),
    async handle({ store, scope, query }) {
      const items = await store.apiAuditList({
        scope,
        ...(query.action ? { action: query.action } : {}),
        ...(query.cursor ? { before: query.cursor } : {}),
        limit: query.limit,
      });
      return {
        body: { items, nextCursor: items.length === query.limit ? (items.at(-1)?.id ?? null) : null },
      };
    },
  }),
  route({
    method: 'post',
    path: '/jobs/bulk',
    operationId: 'bulkJobAction',
    summary: 'Apply an action to every job a filter matches; answers 202 with a handle to poll at /bulk/{id}',
    tag: 'jobs',
    role: 'operator',
    body: bulkBody,
    audit: 'job.bulk',
    async handle({ body, bulk, scope, principal }) {
      if (body.action === 'delete' && !roleAllows(principal.role, 'admin')) {
        throw new ForbiddenError('deleting jobs needs the admin role');
      }
      const { ids, ...filter } = body.filter;
      const search = { ...searchOf(filter), ...(ids ? { ids } : {}) };
      const handle = await bulk.start({
        scope,
        actor: principal.id,
        action: body.action as JobAction,
        search,
        filter: body.filter,
      });
      return {
        status: 202,
        body: handle,
        audit: {
          target: `bulk:${handle.id}`,
          after: { action: body.action, filter: body.filter, total: handle.total },
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/bulk/{id}',
    operationId: 'getBulkAction',
    summary: "A bulk action's progress: status, total, processed, affected",
    tag: 'jobs',
    role: 'viewer',
    params: z.strictObject({ id: jobId }),
    errors: [404],
    async handle({ store, scope, params }) {
      const row = await store.apiBulkGet({ scope, id: params.id });
      if (!row) throw new NotFoundError(`bulk action ${params.id}`);
      return { body: row };
    },
  }),
];
