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

import { eventually as retry } from '../events/bus-support.ts';
import { sql } from '../support/database.ts';

/** Waits until the relay has dispatched and every job of `queue` has finished (none left in jobs). */
export async function settled(
  url: string,
  bus: { relayed(): Promise<void> },
  queue = 'notifications',
): Promise<void> {
  await bus.relayed();
  await retry(async () => {
    const [row] = await sql(
      url,
      "SELECT count(*)::int AS n FROM conveyor.jobs WHERE queue = $1 AND state NOT IN ('dead', 'cancelled')",
      [queue],
    );
    if (row?.n !== 0) throw new Error(`${String(row?.n)} jobs of ${queue} still to run`);
  });
}
