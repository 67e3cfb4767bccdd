/**
 * The in-app inbox of one user in one tenant: list (cursor pagination, filters unread and type),
 * unread count, mark read (one, many, all), archive. The HTTP API exposes it (issue 10's helper).
 *
 * Invariant — tenancy is enforced here, in one place: an inbox is made for exactly one
 * (tenantId, userId) scope and every store call passes both, so nothing of another user or tenant
 * can be listed, counted or changed; an id guessed from elsewhere changes nothing and is not
 * reported as existing.
 */
import { ValidationError } from '../core/errors.ts';
import type { NotificationRow, NotificationStore } from '../store/notification-store.ts';

export interface InboxScope {
  tenantId: string;
  userId: string;
}

export interface InboxListOptions {
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
  /** 1–100 (default 20). */
  limit?: number;
  unread?: boolean;
  type?: string;
  /** Include archived notifications (default false). */
  archived?: boolean;
}

export interface InboxPage {
  items: NotificationRow[];
  /** Pass to the next list call; null on the last page. */
  nextCursor: string | null;
}

export interface Inbox {
  list(options?: InboxListOptions): Promise<InboxPage>;
  unreadCount(): Promise<number>;
  /** Marks the given ids read; returns how many changed and the unread count after. */
  markRead(ids: string | readonly string[]): Promise<{ changed: number; unread: number }>;
  markAllRead(): Promise<{ changed: number; unread: number }>;
  archive(ids: string | readonly string[]): Promise<{ changed: number; unread: number }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertScopePart(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || value.includes('\u0000')) {
    throw new ValidationError(field, 'must be a non-empty string of at most 256 characters');
  }
  return value;
}

export function assertScope(scope: unknown): InboxScope {
  const s = (scope ?? {}) as Record<string, unknown>;
  return {
    tenantId: assertScopePart(s.tenantId, 'scope.tenantId'),
    userId: assertScopePart(s.userId, 'scope.userId'),
  };
}

function assertIds(ids: unknown): string[] {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (!Array.isArray(list) || list.length === 0 || list.length > 1_000) {
    throw new ValidationError('ids', 'must be a notification id or an array of 1 to 1,000 ids');
  }
  list.forEach((id, i) => {
    if (typeof id !== 'string' || !UUID.test(id)) {
      throw new ValidationError(`ids[${i}]`, 'must be a notification id (uuid) as the inbox lists it');
    }
  });
  return list as string[];
}

function encodeCursor(row: NotificationRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: unknown): { createdAt: Date; id: string } {
  const invalid = () =>
    new ValidationError('cursor', 'is not a cursor from this inbox; pass nextCursor unchanged');
  if (typeof cursor !== 'string' || cursor.length > 200) throw invalid();
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}

export function createInbox(
  store: () => Promise<NotificationStore>,
  scope: unknown,
  options: { now: () => Date; unreadChanged: (scope: InboxScope, unread: number) => Promise<void> },
): Inbox {
  const { tenantId, userId } = assertScope(scope);
  const changed = async (result: { changed: number; unread: number }) => {
    if (result.changed > 0) await options.unreadChanged({ tenantId, userId }, result.unread);
    return result;
  };
  return {
    async list(listOptions = {}) {
      const limit = listOptions.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new ValidationError('limit', 'must be a whole number from 1 to 100');
      }
      if (listOptions.type !== undefined && typeof listOptions.type !== 'string') {
        throw new ValidationError('type', 'must be a notification type');
      }
      const after = listOptions.cursor ? decodeCursor(listOptions.cursor) : null;
      const rows = await (await store()).notifyInboxList({
        tenantId,
        userId,
        unreadOnly: listOptions.unread === true,
        type: listOptions.type ?? null,
        includeArchived: listOptions.archived === true,
        after,
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },
    async unreadCount() {
      return (await store()).notifyInboxUnreadCount({ tenantId, userId });
    },
    async markRead(ids) {
      const list = assertIds(ids);
      return changed(
        await (await store()).notifyInboxMarkRead({ tenantId, userId, ids: list, now: options.now() }),
      );
    },
    async markAllRead() {
      return changed(
        await (await store()).notifyInboxMarkRead({ tenantId, userId, ids: null, now: options.now() }),
      );
    },
    async archive(ids) {
      const list = assertIds(ids);
      return changed(
        await (await store()).notifyInboxArchive({ tenantId, userId, ids: list, now: options.now() }),
      );
    },
  };
}
