/**
 * Arda's event catalog on the Conveyor event bus, and the seed's worked flow: a shop-floor scan
 * moves a card to `triggered` → `card.transition` is published in the scan's own transaction →
 * the notification service (a durable subscriber of every event) inserts a notification per active
 * user and publishes `notification.created` per user in the same transaction → the live fan-out
 * (Redis, or in-process/LISTEN-NOTIFY without it) pushes it to the gateway's sockets.
 *
 * const conveyor = createConveyor({ jobs: [], databaseUrl });
 * const events = createArdaEvents({ conveyor, pool });
 * await events.start();                         // subscribes the notification service
 * await conveyor.worker({ queues: ['events'] }).start();
 * await events.scanCard({ tenantId, cardId, loopId, userId });
 *
 * Services that used `@arda/events` switch by an import: `events.eventBus` has the seed's methods
 * (publish, subscribeTenant, subscribeGlobal, unsubscribeTenant, ping, shutdown).
 *
 * The notification service here is the seed's, hand-written on the bus, to show the migration
 * step by step. `conveyor-jobs/notify` replaces it (rules in ./notification-rules.ts, inbox,
 * email, webhooks, digests: docs/notifications.md); its `notification.created` has another
 * payload, so a bus is given one of the two definitions, never both.
 */
import type pg from 'pg';
import { z } from 'zod';
import {
  type Conveyor,
  createEventBus,
  defineEvent,
  type EventFanoutSink,
  PubSubEventBus,
  type SqlExecutor,
} from '../../src/index.ts';

const uuidish = z.string().min(1);
const timestamp = z.string();

export const cardTransition = defineEvent({
  type: 'card.transition',
  schema: z.object({
    type: z.literal('card.transition'),
    tenantId: uuidish,
    cardId: uuidish,
    loopId: uuidish,
    fromStage: z.string().nullable(),
    toStage: z.enum(['created', 'triggered', 'ordered', 'in_transit', 'received', 'restocked']),
    method: z.string(),
    userId: uuidish.optional(),
    timestamp,
  }),
});

const orderType = z.enum(['purchase_order', 'work_order', 'transfer_order']);

export const orderCreated = defineEvent({
  type: 'order.created',
  schema: z.object({
    type: z.literal('order.created'),
    tenantId: uuidish,
    orderType,
    orderId: uuidish,
    orderNumber: z.string(),
    linkedCardIds: z.array(uuidish),
    timestamp,
  }),
});

export const orderStatusChanged = defineEvent({
  type: 'order.status_changed',
  schema: z.object({
    type: z.literal('order.status_changed'),
    tenantId: uuidish,
    orderType,
    orderId: uuidish,
    orderNumber: z.string(),
    fromStatus: z.string(),
    toStatus: z.string(),
    timestamp,
  }),
});

export const notificationCreated = defineEvent({
  type: 'notification.created',
  schema: z.object({
    type: z.literal('notification.created'),
    tenantId: uuidish,
    userId: uuidish,
    notificationId: z.string(),
    notificationType: z.string(),
    title: z.string(),
    timestamp,
  }),
});

export const ardaEvents = [cardTransition, orderCreated, orderStatusChanged, notificationCreated];

export type ArdaEvent = { type: string; tenantId: string } & Record<string, unknown>;

/** The catalog's event → notification mapping (the subset this example covers). */
function notificationFor(event: ArdaEvent): { type: string; title: string; entityId: string } | null {
  if (event.type === 'card.transition') {
    const stage = String(event.toStage);
    return ['triggered', 'received', 'restocked'].includes(stage)
      ? { type: 'card_triggered', title: `Kanban card moved to ${stage}`, entityId: String(event.cardId) }
      : null;
  }
  if (event.type === 'order.created') {
    return {
      type: 'po_created',
      title: `New ${String(event.orderType)} created`,
      entityId: String(event.orderId),
    };
  }
  return null;
}

export function createArdaEvents({
  conveyor,
  pool,
  sinks,
}: {
  conveyor: Conveyor;
  pool: pg.Pool;
  /** A RedisEventFanout with prefix `arda` for the gateways' `arda:events:{tenantId}` channels. */
  sinks?: EventFanoutSink[];
}) {
  const bus = createEventBus({ conveyor, source: 'arda', events: ardaEvents, ...(sinks ? { sinks } : {}) });
  const eventBus = new PubSubEventBus<ArdaEvent>(bus, { events: ardaEvents, conveyor });
  const executor = (client: pg.PoolClient): SqlExecutor => client;

  /** The notification service: every event, durably; notifications and their events commit together. */
  const start = () =>
    bus.subscribe(
      '*',
      async (envelope) => {
        const event = envelope.payload as ArdaEvent;
        const notification = notificationFor(event);
        if (!notification) return { notified: 0 };
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ user_id: string }>(
            `INSERT INTO notifications (tenant_id, user_id, type, entity_id, message)
             SELECT tenant_id, user_id, $2, $3, $4 FROM tenant_users WHERE tenant_id = $1 AND is_active
             ON CONFLICT DO NOTHING RETURNING user_id`,
            [event.tenantId, notification.type, notification.entityId, notification.title],
          );
          for (const { user_id: userId } of rows) {
            await eventBus.publish(
              {
                type: 'notification.created',
                tenantId: event.tenantId,
                userId,
                notificationId: `${notification.type}:${notification.entityId}:${userId}`,
                notificationType: notification.type,
                title: notification.title,
                timestamp: new Date().toISOString(),
              },
              { tx: executor(client) },
            );
          }
          await client.query('COMMIT');
          return { notified: rows.length };
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
      { name: 'notification-service' },
    );

  /** POST /scan/:cardId/trigger: the card moves and its event is published in one transaction. */
  async function scanCard(scan: { tenantId: string; cardId: string; loopId: string; userId: string }) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ stage: string }>(
        `UPDATE kanban_cards SET stage = 'triggered', stage_entered_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING (SELECT stage FROM kanban_cards WHERE tenant_id = $1 AND id = $2)`,
        [scan.tenantId, scan.cardId],
      );
      if (rows.length === 0) throw new Error(`card ${scan.cardId} not found`);
      await eventBus.publish(
        {
          type: 'card.transition',
          tenantId: scan.tenantId,
          cardId: scan.cardId,
          loopId: scan.loopId,
          fromStage: rows[0]?.stage ?? null,
          toStage: 'triggered',
          method: 'scan',
          userId: scan.userId,
          timestamp: new Date().toISOString(),
        },
        { tx: executor(client) },
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return { bus, eventBus, start, scanCard };
}
