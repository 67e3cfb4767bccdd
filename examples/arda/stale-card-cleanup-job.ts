/**
 * Stale card cleanup (catalog job 8, daily 03:00): flags active cards stuck in `ordered` for 60 days
 * or `in_transit` for 30 (metadata `stale_card_flagged` and an `exception_alert` per tenant user),
 * and archives inactive cards untouched for 90 days. Flagged cards are not flagged again, so a re-run
 * changes nothing.
 */
import type pg from 'pg';
import { defineJob } from '../../src/index.ts';
import { notifyTenantUsers } from './arda-tables.ts';
import { retryPolicies } from './retry-policies.ts';

export const staleCardThresholds = { orderedDays: 60, inTransitDays: 30, inactiveArchiveDays: 90 };

export function createStaleCardCleanupJob({ pool }: { pool: pg.Pool }) {
  return defineJob({
    name: 'stale-card-cleanup',
    queue: 'arda-scheduled',
    defaults: retryPolicies.scheduled,
    async handler({ log }) {
      const t = staleCardThresholds;
      const { rows: flagged } = await pool.query<{ tenant_id: string; id: string; stage: string }>(
        `UPDATE kanban_cards SET metadata = metadata || '{"stale_card_flagged": true}'
          WHERE is_active AND NOT metadata ? 'stale_card_flagged'
            AND ((stage = 'ordered' AND stage_entered_at < now() - make_interval(days => $1))
              OR (stage = 'in_transit' AND stage_entered_at < now() - make_interval(days => $2)))
          RETURNING tenant_id, id, stage`,
        [t.orderedDays, t.inTransitDays],
      );
      for (const card of flagged) {
        await notifyTenantUsers(pool, {
          tenantId: card.tenant_id,
          type: 'exception_alert',
          entityId: card.id,
          message: `Card ${card.id} has been in ${card.stage} too long`,
        });
      }
      const archived = await pool.query(
        `WITH gone AS (
           DELETE FROM kanban_cards
            WHERE NOT is_active AND stage_entered_at < now() - make_interval(days => $1)
            RETURNING *)
         INSERT INTO kanban_cards_archive SELECT * FROM gone`,
        [t.inactiveArchiveDays],
      );
      log.info({ flagged: flagged.length, archived: archived.rowCount }, 'stale cards handled');
      return { flagged: flagged.length, archived: archived.rowCount ?? 0 };
    },
  });
}
