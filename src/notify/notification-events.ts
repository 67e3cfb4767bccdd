/**
 * The bus events notifications publish, for the realtime gateway (it pushes them to `user:{id}`
 * rooms) and any other subscriber: `notification.created` (one per user and notification, all of a
 * fan-out in one outbox statement in the fan-out's transaction) and `notification.unread_changed`
 * (after marking read or archiving).
 */
import { z } from 'zod';
import { defineEvent } from '../events/event-definition.ts';

export const notificationCreated = defineEvent({
  type: 'notification.created',
  version: 1,
  schema: z.object({
    userId: z.string(),
    notificationId: z.string(),
    notificationType: z.string(),
    title: z.string(),
    unreadCount: z.number().int(),
  }),
});

export const notificationUnreadChanged = defineEvent({
  type: 'notification.unread_changed',
  version: 1,
  schema: z.object({ userId: z.string(), unreadCount: z.number().int() }),
});
