/**
 * Leora on Conveyor: the tenant jobs, their daily 02:00 schedules per tenant, and the serverless
 * cron path. On Vercel, the cron calls the HTTP trigger every minute with `?budget=50s`; the trigger
 * ticks the due schedules and runs queued work within the budget. `?job=NAME` (optional JSON body,
 * e.g. `{ "tenantSlug": "well-crafted" }`) enqueues one job.
 *
 * // app/api/jobs/process/route.ts
 * const leora = createLeoraApp({ pool, tenants: ['t_well_crafted'] });
 * export const conveyor = createConveyor({ ...leora.options, databaseUrl: process.env.DATABASE_URL });
 * export const GET = createLeoraTrigger(conveyor, process.env.CRON_SECRET!);
 * export const POST = GET;
 */
import type pg from 'pg';
import { createTriggerHandler } from '../../src/http/index.ts';
import { type Conveyor, type ConveyorOptions, tenantSchedules } from '../../src/index.ts';
import { createCalculateBurnRatesJob } from './calculate-burn-rates-job.ts';
import { createUpdateAccountTypesJob } from './update-account-types-job.ts';

export function createLeoraApp({ pool, tenants }: { pool: pg.Pool; tenants: string[] }) {
  const updateAccountTypes = createUpdateAccountTypesJob(pool);
  const calculateBurnRates = createCalculateBurnRatesJob(pool);
  const daily = tenants.map((tenantId) => ({ tenantId }));
  const options = {
    jobs: [updateAccountTypes, calculateBurnRates],
    schedules: [
      ...tenantSchedules({ name: 'update-account-types', job: updateAccountTypes, cron: '0 2 * * *' }, daily),
      ...tenantSchedules({ name: 'calculate-burn-rates', job: calculateBurnRates, cron: '0 2 * * *' }, daily),
    ],
  } satisfies Omit<ConveyorOptions, 'databaseUrl'>;
  return { options, jobs: { updateAccountTypes, calculateBurnRates } };
}

/** The `/api/jobs/process` route: bearer secret (CRON_SECRET), GET for Vercel Cron, POST for people. */
export function createLeoraTrigger(conveyor: Conveyor, secret: string | string[]) {
  return createTriggerHandler(conveyor, { secret, methods: ['GET', 'POST'], maxBudget: '55s' });
}
