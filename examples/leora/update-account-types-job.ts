/**
 * Daily account-type update (ADR-001 job 1): classifies each customer from the last 90 days of
 * delivered orders. No orders → DORMANT; revenue ≥ 1,000 or 6+ orders → HIGH_VOLUME; otherwise
 * STANDARD. Only customers whose type changes are written.
 */
import type pg from 'pg';
import { defineTenantJob } from './tenant-job.ts';

interface CustomerActivity {
  id: string;
  account_type: string;
  order_count: number;
  revenue: string;
}

export function accountTypeFor(orderCount: number, revenue: number): string {
  if (orderCount === 0) return 'DORMANT';
  if (revenue >= 1_000 || orderCount >= 6) return 'HIGH_VOLUME';
  return 'STANDARD';
}

export function createUpdateAccountTypesJob(pool: pg.Pool) {
  return defineTenantJob<CustomerActivity, { accountType: string }>(pool, {
    name: 'update-account-types',
    async load(db, tenantId) {
      const { rows } = await db.query<CustomerActivity>(
        `SELECT c.id, c.account_type, count(o.id)::int AS order_count, coalesce(sum(o.total), 0) AS revenue
           FROM customers c
           LEFT JOIN orders o ON o.tenant_id = c.tenant_id AND o.customer_id = c.id
                             AND o.delivered_at > now() - interval '90 days'
          WHERE c.tenant_id = $1
          GROUP BY c.id, c.account_type ORDER BY c.id`,
        [tenantId],
      );
      return rows;
    },
    compute(customer) {
      const accountType = accountTypeFor(customer.order_count, Number(customer.revenue));
      return accountType === customer.account_type ? null : { accountType };
    },
    async write(db, tenantId, customer, { accountType }) {
      await db.query(
        'UPDATE customers SET account_type = $3, account_type_updated_at = now() WHERE tenant_id = $1 AND id = $2',
        [tenantId, customer.id, accountType],
      );
    },
  });
}
