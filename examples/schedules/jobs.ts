/**
 * The seeds' scheduled work as Conveyor schedules (docs/scheduling.md). Run the example with
 * `npx tsx examples/schedules/main.ts` (embedded PGlite, no server needed).
 */
import { defineJob, defineSchedule, tenantSchedules } from '../../src/index.ts';

// Koordi: ICS sync every 5 minutes (and once at start), invitation cleanup daily at 02:00.
export const icsSync = defineJob({
  name: 'ics-sync',
  queue: 'calendar',
  defaults: { attempts: 3, backoff: { type: 'exponential', delay: '1m' } },
  handler: ({ payload, log }) => log.info({ payload }, 'syncing calendars'),
});
export const invitationCleanup = defineJob({
  name: 'invitation-cleanup',
  queue: 'maintenance',
  handler: ({ log }) => log.info('removing expired invitations'),
});

// Arda: staggered nightly jobs, per-tenant ReLoWiSa at 02:00 in each tenant's zone.
const arda = (name: string, queue = 'arda') =>
  defineJob({ name, queue, handler: ({ tenantId, log }) => log.info({ tenantId }, `${name} ran`) });
export const relowisa = arda('relowisa-recalculation');
export const staleCards = arda('stale-card-cleanup');
export const orderAging = arda('order-aging');
export const reports = arda('scheduled-report-generation');
export const digest = arda('notification-digest', 'notifications');

export const jobs = [icsSync, invitationCleanup, relowisa, staleCards, orderAging, reports, digest];

export const schedules = [
  defineSchedule({
    name: 'koordi:ics-sync',
    job: icsSync,
    cron: '*/5 * * * *',
    payload: { type: 'all' },
    runOnStart: true,
    overlap: 'skip',
    missed: 'runOnce',
  }),
  defineSchedule({ name: 'koordi:invitation-cleanup', job: invitationCleanup, cron: '0 2 * * *' }),
  ...tenantSchedules({ name: 'relowisa', job: relowisa, cron: '0 2 * * *', overlap: 'queue' }, [
    { tenantId: 'acme', timezone: 'UTC' },
    { tenantId: 'berlin-gmbh', timezone: 'Europe/Berlin' },
    { tenantId: 'nyc-inc', timezone: 'America/New_York', cron: '30 2 * * *' },
  ]),
  defineSchedule({ name: 'arda:stale-card-cleanup', job: staleCards, cron: '0 3 * * *' }),
  defineSchedule({ name: 'arda:order-aging', job: orderAging, cron: '0 */6 * * *' }),
  defineSchedule({ name: 'arda:reports', job: reports, cron: '0 6 * * *' }),
  defineSchedule({ name: 'arda:digest-check', job: digest, cron: '@hourly', missed: 'skip' }),
];

/**
 * One of these schedules, bound by job name to another app's job of the same name: the example
 * apps (examples/arda, examples/koordi) reuse the seeds' timings with their own handlers.
 */
export function seedSchedule(name: string) {
  const schedule = schedules.find((s) => s.name === name);
  if (!schedule) throw new Error(`examples/schedules declares no schedule "${name}"`);
  return defineSchedule({
    ...schedule,
    job: typeof schedule.job === 'string' ? schedule.job : schedule.job.name,
  });
}
