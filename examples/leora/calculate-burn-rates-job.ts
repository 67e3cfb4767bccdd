/**
 * Burn-rate analysis (ADR-001 job 3): average daily consumption per SKU over the last 90 days of
 * delivered orders, and the reorder point it implies (burn rate × lead time, rounded up). Only SKUs
 * whose figures change are written.
 */
import type pg from 'pg';
import { defineTenantJob } from './tenant-job.ts';

interface SkuUsage {
  id: string;
  lead_time_days: number;
  burn_rate: string | null;
  reorder_point: number | null;
  quantity: number;
}

export function createCalculateBurnRatesJob(pool: pg.Pool) {
  return defineTenantJob<SkuUsage, { burnRate: number; reorderPoint: number }>(pool, {
    name: 'calculate-burn-rates',
    async load(db, tenantId) {
      const { rows } = await db.query<SkuUsage>(
        `SELECT s.id, s.lead_time_days, s.burn_rate, s.reorder_point,
                coalesce(sum(l.quantity) FILTER (WHERE o.delivered_at > now() - interval '90 days'), 0)::int
                  AS quantity
           FROM skus s
           LEFT JOIN order_lines l ON l.tenant_id = s.tenant_id AND l.sku_id = s.id
           LEFT JOIN orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id
          WHERE s.tenant_id = $1
          GROUP BY s.tenant_id, s.id ORDER BY s.id`,
        [tenantId],
      );
      return rows;
    },
    compute(sku) {
      const burnRate = Math.round((sku.quantity / 90) * 100) / 100;
      const reorderPoint = Math.ceil(burnRate * sku.lead_time_days);
      const unchanged =
        sku.burn_rate !== null && Number(sku.burn_rate) === burnRate && sku.reorder_point === reorderPoint;
      return unchanged ? null : { burnRate, reorderPoint };
    },
    async write(db, tenantId, sku, { burnRate, reorderPoint }) {
      await db.query('UPDATE skus SET burn_rate = $3, reorder_point = $4 WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        sku.id,
        burnRate,
        reorderPoint,
      ]);
    },
  });
}
