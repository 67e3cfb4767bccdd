/**
 * The caller's own notification inbox: list (cursor, unread, type, archived), unread count, mark
 * read (ids or all) and archive. Served only when createApiHandler is given the notifier.
 *
 * Invariant — an inbox belongs to one (tenant, user): the user is the credential's own (a JWT's
 * user id; an API key has none and gets a 400 naming `authorization`), the tenant is the scope's
 * own (an unscoped user names it with `tenant`). The notifier's inbox passes both to every store
 * call, so an id guessed from another tenant or user is neither listed nor changed.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import { scopeTenant } from '../../core/scope.ts';
import type { Inbox } from '../../notify/notification-inbox.ts';
import type { Notifier } from '../../notify/notifier.ts';
import { NotFoundError } from '../api-errors.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import { limit, name } from '../api-schemas.ts';
import { userOf } from '../principal.ts';

const tenantField = {
  tenant: name
    .optional()
    .describe('the inbox tenant: required for an unscoped user credential; a scoped one uses its own'),
};

const inboxQuery = z.strictObject({ ...tenantField });

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const listQuery = z.strictObject({
  ...tenantField,
  cursor: z.string().min(1).max(200).optional().describe('the `nextCursor` of the previous page'),
  limit: limit(20, 100).describe('page size, 1 to 100 (default 20)'),
  unread: flag.optional().describe('true: unread only'),
  type: name.optional().describe('notification type, e.g. po_created'),
  archived: flag.optional().describe('true: include archived notifications'),
});

const notificationId = z.uuid('must be a notification id (a UUID)');
const ids = z
  .array(notificationId)
  .min(1, 'must name at least one id')
  .max(1000, 'must name at most 1000 ids');

const readBody = z
  .strictObject({
    ids: ids.optional().describe('the notifications to mark read'),
    all: z.literal(true).optional().describe('true: mark every notification read'),
  })
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.all === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give either ids (an array) or all: true' });
    }
  });

const archiveBody = z.strictObject({ ids: ids.describe('the notifications to archive') });

type InboxQuery = { tenant?: string | undefined };

/** The caller's own inbox, or a 400/404 problem saying why it has none. */
function inboxOf(context: RouteContext<unknown, InboxQuery, unknown> & { notifier?: Notifier }): Inbox {
  const notifier = context.notifier;
  // Routes of this file are registered only when the handler has a notifier (api-handler.ts).
  if (!notifier) throw new NotFoundError('notifier on this API');
  const userId = userOf(context.principal);
  if (userId === null) {
    throw new ValidationError(
      'authorization',
      'names no user: an inbox is read with a user credential (a JWT with a user id), not an API key',
    );
  }
  const own = scopeTenant(context.scope);
  const tenantId = own ?? context.query.tenant;
  if (tenantId === undefined) {
    throw new ValidationError('query.tenant', 'is required for an unscoped user credential: name the tenant');
  }
  return notifier.inbox({ tenantId, userId });
}

function auditTarget(context: RouteContext<unknown, unknown, unknown>): string {
  return `inbox:${context.principal.id}`;
}

export const notificationRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/notifications',
    operationId: 'listNotifications',
    summary: "The caller's own inbox, newest first (needs a user credential)",
    tag: 'notifications',
    role: 'viewer',
    query: listQuery,
    handle: async (context) => {
      const { query } = context;
      const page = await inboxOf(context).list({
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.unread !== undefined ? { unread: query.unread } : {}),
        ...(query.type !== undefined ? { type: query.type } : {}),
        ...(query.archived !== undefined ? { archived: query.archived } : {}),
      });
      return { body: page };
    },
  }),
  route({
    method: 'get',
    path: '/notifications/unread-count',
    operationId: 'unreadNotificationCount',
    summary: "How many of the caller's notifications are unread",
    tag: 'notifications',
    role: 'viewer',
    query: inboxQuery,
    handle: async (context) => ({ body: { unread: await inboxOf(context).unreadCount() } }),
  }),
  route({
    method: 'post',
    path: '/notifications/read',
    operationId: 'markNotificationsRead',
    summary: "Marks the caller's notifications read: the given ids, or all",
    tag: 'notifications',
    role: 'viewer',
    query: inboxQuery,
    body: readBody,
    audit: 'notification.read',
    handle: async (context) => {
      const inbox = inboxOf(context);
      const result = context.body.ids ? await inbox.markRead(context.body.ids) : await inbox.markAllRead();
      return { body: result, audit: { target: auditTarget(context), after: { ...context.body, ...result } } };
    },
  }),
  route({
    method: 'post',
    path: '/notifications/archive',
    operationId: 'archiveNotifications',
    summary: "Archives the caller's notifications with the given ids",
    tag: 'notifications',
    role: 'viewer',
    query: inboxQuery,
    body: archiveBody,
    audit: 'notification.archive',
    handle: async (context) => {
      const result = await inboxOf(context).archive(context.body.ids);
      return { body: result, audit: { target: auditTarget(context), after: { ...context.body, ...result } } };
    },
  }),
];
