/**
 * Notifications to the browser with nothing faked: an event published on the bus → the
 * notifier's durable subscriber writes the rows and `notification.created` per user in one
 * transaction → the relay and the Redis fan-out → the realtime gateway, routing by `userId` →
 * each user's own socket.io-client socket only. Marking read pushes `notification.unread_changed`
 * to that user.
 */
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ardaNotificationRules } from '../../examples/arda/notification-rules.ts';
import {
  type Conveyor,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  RedisEventFanout,
} from '../../src/index.ts';
import { createNotifier, type Notifier } from '../../src/notify/index.ts';
import { connected, type GatewayNode, startGatewayNode } from '../realtime/support/gateway-node.ts';
import { REDIS_URL, uniquePrefix } from '../realtime/support/redis-fanout.ts';
import { signToken } from '../realtime/support/tokens.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';
import { eventually, orderCreated } from './notify-support.ts';

const db = useConveyorDatabase();

describe('notifications → gateway → the user’s socket', () => {
  const prefix = uniquePrefix();
  let conveyor: Conveyor;
  let bus: EventBus;
  let notifier: Notifier;
  let node: GatewayNode;

  beforeAll(async () => {
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({
      conveyor,
      sinks: [new RedisEventFanout({ redis: REDIS_URL, prefix, log: testLogger })],
      localFanout: false,
      relay: { pollInterval: '100ms' },
      retention: false,
    });
    notifier = await createNotifier({ conveyor, bus, rules: ardaNotificationRules, digest: false });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'u1' },
      { tenantId: 'acme', userId: 'u2' },
      { tenantId: 'globex', userId: 'u1' },
    ]);
    await conveyor.worker({ queues: ['notifications'], concurrency: 4, handleSignals: false }).start();
    node = await startGatewayNode(prefix, {
      route: (event: EventEnvelope) =>
        event.type.startsWith('notification.')
          ? { userIds: [(event.payload as { userId: string }).userId] }
          : 'tenant',
    });
  });
  afterAll(async () => {
    await node?.close();
    await conveyor?.close();
  });

  it('pushes each user their own notification.created, and the unread change after marking read', async () => {
    const sockets = new Map<string, { socket: ClientSocket; got: EventEnvelope[] }>();
    for (const [tenantId, userId] of [
      ['acme', 'u1'],
      ['acme', 'u2'],
      ['globex', 'u1'],
    ] as const) {
      const socket = node.connect({ token: await signToken({ sub: userId, tenantId }) });
      const got: EventEnvelope[] = [];
      for (const type of ['notification.created', 'notification.unread_changed'])
        socket.on(type, (event: EventEnvelope) => got.push(event));
      sockets.set(`${tenantId}/${userId}`, { socket, got });
    }
    await Promise.all([...sockets.values()].map((s) => connected(s.socket)));

    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-1' },
      { tenantId: 'acme' },
    );
    const u1 = sockets.get('acme/u1');
    const u2 = sockets.get('acme/u2');
    await eventually(() => expect(u1?.got.length).toBe(1));
    await eventually(() => expect(u2?.got.length).toBe(1));
    expect(u1?.got[0]).toMatchObject({
      type: 'notification.created',
      tenantId: 'acme',
      payload: { userId: 'u1', notificationType: 'po_created', unreadCount: 1 },
    });
    expect(u2?.got[0]?.payload).toMatchObject({ userId: 'u2' });

    const id = (u1!.got[0]!.payload as { notificationId: string }).notificationId;
    await notifier.inbox({ tenantId: 'acme', userId: 'u1' }).markRead(id);
    await eventually(() => expect(u1?.got.length).toBe(2));
    expect(u1?.got[1]).toMatchObject({
      type: 'notification.unread_changed',
      payload: { userId: 'u1', unreadCount: 0 },
    });
    await bus.relayed();
    expect(u2?.got).toHaveLength(1); // u2 never sees u1's
    expect(sockets.get('globex/u1')?.got).toEqual([]); // same user id in another tenant: nothing
  });
});
