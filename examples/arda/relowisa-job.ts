/**
 * ReLoWiSa recalculation (catalog job 6): one job per kanban loop and day, in the `relowisa` queue,
 * which runs one job per tenant at a time (`groupConcurrency: 1`; the group is the tenant). A
 * nightly job per tenant (`relowisa-nightly`, 02:00 in the tenant's zone) enqueues one
 * recalculation per active loop under the daily key `relowisa:{tenantId}:{loopId}:{date}`, held
 * for 24 hours, so a second nightly run, a retry of it, or a manual trigger that day adds nothing.
 *
 * Each loop is its own job, so one loop's failure does not affect the others; a loop that fails
 * three times in a row is dead (the scheduled category's policy) and can be replayed.
 */
import type pg from 'pg';
import { z } from 'zod';
import { type Conveyor, defineJob, type EnqueuedJob } from '../../src/index.ts';
import { retryPolicies } from './retry-policies.ts';

interface LoopRow {
  min_qty: number;
  order_qty: number;
  avg_daily_demand: string;
  demand_stddev: string;
  lead_time_days: string;
}

/** Reorder point from lead-time demand plus safety stock (95 % service level); a week's demand per order. */
export function recommendLoopParameters(loop: {
  avgDailyDemand: number;
  demandStddev: number;
  leadTimeDays: number;
}): { minQty: number; orderQty: number } {
  const safetyStock = 1.65 * loop.demandStddev * Math.sqrt(loop.leadTimeDays);
  return {
    minQty: Math.ceil(loop.avgDailyDemand * loop.leadTimeDays + safetyStock),
    orderQty: Math.max(1, Math.ceil(loop.avgDailyDemand * 7)),
  };
}

const changedByMoreThan = (from: number, to: number, fraction: number) =>
  Math.abs(to - from) > fraction * Math.max(1, from);

export function createRelowisaRecalculationJob({ pool }: { pool: pg.Pool }) {
  return defineJob({
    name: 'relowisa-recalculation',
    queue: 'relowisa',
    schema: z.object({ loopId: z.string().min(1), date: z.iso.date() }),
    defaults: { ...retryPolicies.scheduled, timeout: '10m' },
    async handler({ payload, tenantId, signal, log }) {
      if (!tenantId) throw new Error('relowisa-recalculation needs a tenantId');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // The row lock keeps parameter edits out while the loop is recalculated.
        const { rows } = await client.query<LoopRow>(
          'SELECT * FROM kanban_loops WHERE tenant_id = $1 AND id = $2 AND is_active FOR UPDATE',
          [tenantId, payload.loopId],
        );
        signal.throwIfAborted();
        const loop = rows[0];
        if (!loop) {
          await client.query('ROLLBACK');
          return { loopId: payload.loopId, recommended: false, reason: 'loop not found or inactive' };
        }
        const next = recommendLoopParameters({
          avgDailyDemand: Number(loop.avg_daily_demand),
          demandStddev: Number(loop.demand_stddev),
          leadTimeDays: Number(loop.lead_time_days),
        });
        const recommend =
          changedByMoreThan(loop.min_qty, next.minQty, 0.1) ||
          changedByMoreThan(loop.order_qty, next.orderQty, 0.1);
        if (recommend) {
          await client.query(
            `INSERT INTO relowisa_recommendations
               (tenant_id, loop_id, run_date, current_min_qty, recommended_min_qty, recommended_order_qty)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
            [tenantId, payload.loopId, payload.date, loop.min_qty, next.minQty, next.orderQty],
          );
        }
        await client.query('COMMIT');
        log.info({ loopId: payload.loopId, recommend, ...next }, 'loop recalculated');
        return { loopId: payload.loopId, recommended: recommend, ...next };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  });
}

export type RelowisaRecalculationJob = ReturnType<typeof createRelowisaRecalculationJob>;

/** Enqueues the day's recalculation of one loop; `created: false` when it was already enqueued that day. */
export function enqueueDailyRecalculation(
  conveyor: Conveyor,
  job: RelowisaRecalculationJob,
  { tenantId, loopId, date }: { tenantId: string; loopId: string; date: string },
): Promise<EnqueuedJob> {
  return conveyor.enqueue(
    job,
    { loopId, date },
    { tenantId, uniqueKey: `relowisa:${tenantId}:${loopId}:${date}`, uniqueFor: '24h' },
  );
}

/**
 * The nightly fan-out for one tenant. The handler needs the Conveyor instance to enqueue, but the
 * instance is created from the job list, hence `conveyor()` is resolved at run time.
 */
export function createRelowisaNightlyJob(deps: {
  pool: pg.Pool;
  conveyor: () => Conveyor;
  recalculation: RelowisaRecalculationJob;
}) {
  return defineJob({
    name: 'relowisa-nightly',
    queue: 'arda-scheduled',
    defaults: retryPolicies.scheduled,
    async handler({ tenantId, job }) {
      if (!tenantId) throw new Error('relowisa-nightly needs a tenantId');
      // The fire time, not the run time, names the day: a retry after midnight is still that night's run.
      const firedAt =
        typeof job.metadata?.fireAt === 'string' ? new Date(job.metadata.fireAt) : job.createdAt;
      const date = firedAt.toISOString().slice(0, 10);
      const { rows } = await deps.pool.query<{ id: string }>(
        'SELECT id FROM kanban_loops WHERE tenant_id = $1 AND is_active ORDER BY id',
        [tenantId],
      );
      let enqueued = 0;
      for (const { id } of rows) {
        const { created } = await enqueueDailyRecalculation(deps.conveyor(), deps.recalculation, {
          tenantId,
          loopId: id,
          date,
        });
        if (created) enqueued += 1;
      }
      return { date, loops: rows.length, enqueued };
    },
  });
}
