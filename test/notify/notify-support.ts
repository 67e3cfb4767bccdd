/** Shared pieces of the notification tests: Arda's events and a bus + notifier on a test database. */
import { z } from 'zod';
import { defineEvent } from '../../src/index.ts';

export const cardTransition = defineEvent({
  type: 'card.transition',
  version: 1,
  schema: z.object({
    cardId: z.string(),
    loopId: z.string(),
    toStage: z.string(),
    userId: z.string().optional(),
  }),
});

export const orderCreated = defineEvent({
  type: 'order.created',
  version: 1,
  schema: z.object({ orderType: z.string(), orderId: z.string(), orderNumber: z.string() }),
});

export const orderStatusChanged = defineEvent({
  type: 'order.status_changed',
  version: 1,
  schema: z.object({
    orderType: z.string(),
    orderId: z.string(),
    orderNumber: z.string(),
    fromStatus: z.string(),
    toStatus: z.string(),
  }),
});

export { eventually, Received } from '../events/bus-support.ts';
