/**
 * Arda's jobs on Conveyor: ReLoWiSa (one loop per job, one job per tenant at a time, nightly per
 * tenant), the order-created event job, stale-card cleanup (03:00) and order aging (every 6 h), with
 * each category's retry policy. The nightly ReLoWiSa fan-out enqueues from inside a handler, so the
 * Conveyor instance is attached after it is created:
 *
 * const arda = createArdaApp({ pool, tenants: [{ tenantId: 'acme', timezone: 'Europe/Berlin' }] });
 * const conveyor = arda.attach(createConveyor({ ...arda.options, databaseUrl: process.env.DATABASE_URL }));
 * await conveyor.worker().start();
 * // GET /health → await conveyor.health()  ({ status, timestamp, jobs: { database, redis, queue } })
 */
import type pg from 'pg';
import { type Conveyor, type ConveyorOptions, tenantSchedules } from '../../src/index.ts';
import { seedSchedule } from '../schedules/jobs.ts';
import { createOrderAgingJob } from './order-aging-job.ts';
import { createOrderCreatedJob } from './order-created-job.ts';
import { createRelowisaNightlyJob, createRelowisaRecalculationJob } from './relowisa-job.ts';
import { createStaleCardCleanupJob } from './stale-card-cleanup-job.ts';

export function createArdaApp({
  pool,
  tenants,
}: {
  pool: pg.Pool;
  tenants: { tenantId: string; timezone?: string }[];
}) {
  let attached: Conveyor | null = null;
  const conveyor = (): Conveyor => {
    if (!attached) throw new Error('call attach(conveyor) after createConveyor');
    return attached;
  };
  const recalculation = createRelowisaRecalculationJob({ pool });
  const nightly = createRelowisaNightlyJob({ pool, conveyor, recalculation });
  const orderCreated = createOrderCreatedJob({ pool });
  const staleCards = createStaleCardCleanupJob({ pool });
  const orderAging = createOrderAgingJob({ pool });

  const options = {
    jobs: [recalculation, nightly, orderCreated, staleCards, orderAging],
    queues: { relowisa: { groupConcurrency: 1 } },
    schedules: [
      ...tenantSchedules({ name: 'relowisa', job: nightly, cron: '0 2 * * *', overlap: 'queue' }, tenants),
      seedSchedule('arda:stale-card-cleanup'),
      seedSchedule('arda:order-aging'),
    ],
  } satisfies Omit<ConveyorOptions, 'databaseUrl'>;

  return {
    options,
    jobs: { recalculation, nightly, orderCreated, staleCards, orderAging },
    attach(instance: Conveyor): Conveyor {
      attached = instance;
      return instance;
    },
  };
}
