/**
 * Order aging and escalation (catalog job 7, every 6 hours): purchase orders past their expected
 * delivery date are marked at risk and raise an `exception_alert` ("PO {number} is {N} days
 * overdue"); drafts older than 7 days raise a `system_alert`. Notifications are keyed by order, so a
 * re-run does not repeat them.
 */
import type pg from 'pg';
import { defineJob } from '../../src/index.ts';
import { notifyTenantUsers } from './arda-tables.ts';
import { retryPolicies } from './retry-policies.ts';

export function createOrderAgingJob({ pool }: { pool: pg.Pool }) {
  return defineJob({
    name: 'order-aging',
    queue: 'arda-scheduled',
    defaults: retryPolicies.scheduled,
    async handler() {
      const { rows: overdue } = await pool.query<{
        tenant_id: string;
        id: string;
        number: string;
        days: number;
      }>(
        `UPDATE orders SET metadata = metadata || '{"at_risk": true}'
          WHERE kind = 'purchase_order' AND status IN ('sent', 'acknowledged', 'partially_received')
            AND expected_delivery_date < current_date
          RETURNING tenant_id, id, number, current_date - expected_delivery_date AS days`,
      );
      for (const po of overdue) {
        await notifyTenantUsers(pool, {
          tenantId: po.tenant_id,
          type: 'exception_alert',
          entityId: po.id,
          message: `PO ${po.number} is ${po.days} days overdue`,
        });
      }
      const { rows: drafts } = await pool.query<{ tenant_id: string; id: string; number: string }>(
        `SELECT tenant_id, id, number FROM orders WHERE status = 'draft' AND created_at < now() - interval '7 days'`,
      );
      for (const draft of drafts) {
        await notifyTenantUsers(pool, {
          tenantId: draft.tenant_id,
          type: 'system_alert',
          entityId: draft.id,
          message: `Order ${draft.number} has been a draft for over 7 days`,
        });
      }
      return { overduePurchaseOrders: overdue.length, staleDrafts: drafts.length };
    },
  });
}
