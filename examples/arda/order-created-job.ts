/**
 * An event-driven job: an order was placed, so every active user of the tenant gets a
 * `po_created` notification (catalog job 1). `placeOrder` writes the order and enqueues this job on
 * the same transaction, so the job exists exactly when the order does: the seed's lost event (order
 * committed, publish failed) cannot happen, and a rolled-back order leaves no job.
 */
import type pg from 'pg';
import { z } from 'zod';
import { type Conveyor, defineJob, type EnqueuedJob } from '../../src/index.ts';
import { notifyTenantUsers } from './arda-tables.ts';
import { retryPolicies } from './retry-policies.ts';

export function createOrderCreatedJob({ pool }: { pool: pg.Pool }) {
  return defineJob({
    name: 'order-created',
    queue: 'arda-events',
    schema: z.object({ orderId: z.string().min(1) }),
    defaults: retryPolicies.eventDriven,
    async handler({ payload, tenantId }) {
      if (!tenantId) throw new Error('order-created needs a tenantId');
      const { rows } = await pool.query<{ number: string }>(
        'SELECT number FROM orders WHERE tenant_id = $1 AND id = $2',
        [tenantId, payload.orderId],
      );
      const order = rows[0];
      if (!order) throw new Error(`order ${payload.orderId} not found`);
      const notified = await notifyTenantUsers(pool, {
        tenantId,
        type: 'po_created',
        entityId: payload.orderId,
        message: `PO ${order.number} was created`,
      });
      return { orderId: payload.orderId, notified };
    },
  });
}

export type OrderCreatedJob = ReturnType<typeof createOrderCreatedJob>;

/** Inserts the order and enqueues `order-created` on `client`, inside the caller's transaction. */
export async function placeOrder(
  client: pg.PoolClient,
  conveyor: Conveyor,
  job: OrderCreatedJob,
  order: { tenantId: string; id: string; number: string; expectedDeliveryDate?: string },
): Promise<EnqueuedJob> {
  await client.query(
    `INSERT INTO orders (tenant_id, id, number, status, expected_delivery_date) VALUES ($1, $2, $3, 'draft', $4)`,
    [order.tenantId, order.id, order.number, order.expectedDeliveryDate ?? null],
  );
  return conveyor.enqueue(job, { orderId: order.id }, { tenantId: order.tenantId, tx: client });
}

/** Runs `work` in a transaction on one pooled connection: COMMIT if it resolves, ROLLBACK if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
