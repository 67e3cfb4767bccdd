/**
 * Notifications on the embedded database (PGlite in a data folder, no server): the same SQL files
 * run there — a fan-out through the bus to every active user, the inbox scoped to one user, a
 * digest claim — so `conveyor dev` has notifications with zero servers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ardaNotificationRules } from '../../examples/arda/notification-rules.ts';
import { type Conveyor, createConveyor, createEventBus } from '../../src/index.ts';
import { createNotifier } from '../../src/notify/index.ts';
import { useFolders } from '../embedded/folders.ts';
import { testLogger } from '../support/silent-logger.ts';
import { eventually, orderCreated } from './notify-support.ts';

const folders = useFolders();

describe('notifications on the embedded database', () => {
  const opened: Conveyor[] = [];
  afterAll(async () => {
    for (const conveyor of opened.reverse()) await conveyor.close();
  });

  it('fans out, lists, marks read and runs a digest with no server at all', async () => {
    const conveyor = createConveyor({ jobs: [], dataDir: await folders.fresh(), logger: testLogger });
    opened.push(conveyor);
    const bus = createEventBus({ conveyor, relay: { pollInterval: '200ms' }, retention: false });
    const notifier = await createNotifier({ conveyor, bus, rules: ardaNotificationRules, digest: false });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'u1', digest: { frequency: 'daily', timeZone: 'Asia/Kathmandu' } },
      { tenantId: 'acme', userId: 'u2' },
      { tenantId: 'other', userId: 'u1' },
    ]);
    await conveyor.worker({ queues: ['notifications'], handleSignals: false }).start();
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-1' },
      { tenantId: 'acme' },
    );
    const inbox = notifier.inbox({ tenantId: 'acme', userId: 'u1' });
    await eventually(async () => expect(await inbox.unreadCount()).toBe(1), 20_000);
    const [item] = (await inbox.list()).items;
    expect(item).toMatchObject({ type: 'po_created', title: 'New purchase order created' });
    expect(await notifier.inbox({ tenantId: 'other', userId: 'u1' }).markRead(item?.id as string)).toEqual({
      changed: 0,
      unread: 0,
    });
    expect(await inbox.markRead(item?.id as string)).toEqual({ changed: 1, unread: 0 });
    expect(await notifier.inbox({ tenantId: 'acme', userId: 'u2' }).unreadCount()).toBe(1);
    const report = await notifier.runDigests(new Date(Date.now() + 2 * 86_400_000));
    expect(report).toMatchObject({ claimed: 1, digests: 0 }); // u1 read everything: no empty digest
  }, 90_000); // PGlite starts in ~5 s on a quiet machine, 20 s+ at load average 12
});
