/**
 * Koordi on Conveyor: the ICS sync and invitation cleanup jobs, their schedules (every 5 minutes
 * with a run at start; 02:00 daily), Bull's `removeOnComplete: 100, removeOnFail: 200` as queue
 * retention, and the on-demand triggers.
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const koordi = createKoordiApp({ pool });
 * const conveyor = createConveyor({ ...koordi.options, databaseUrl: process.env.DATABASE_URL });
 * logQueueEvents(conveyor, conveyor.logger);
 * await conveyor.worker().start();
 */
import type pg from 'pg';
import type { Conveyor, ConveyorOptions, Duration, EnqueuedJob } from '../../src/index.ts';
import { seedSchedule } from '../schedules/jobs.ts';
import { createIcsSyncJob, type IcsSyncJob } from './ics-sync-job.ts';
import { createInvitationCleanupJob } from './invitation-cleanup-job.ts';

export function createKoordiApp(deps: { pool: pg.Pool; backoffDelay?: Duration }) {
  const icsSync = createIcsSyncJob(deps);
  const options = {
    jobs: [icsSync, createInvitationCleanupJob(deps)],
    // 'koordi:ics-sync': */5 * * * *, payload { type: 'all' }, runOnStart; 'koordi:invitation-cleanup': 0 2 * * *.
    schedules: [seedSchedule('koordi:ics-sync'), seedSchedule('koordi:invitation-cleanup')],
    // Bull's removeOnComplete: 100, removeOnFail: 200.
    queues: { 'ics-sync': { retention: { completed: { count: 100 }, failed: { count: 200 } } } },
  } satisfies Omit<ConveyorOptions, 'databaseUrl'>;
  return { options, icsSync };
}

/**
 * Syncs one calendar now. At most one sync per calendar waits at a time: a second trigger while
 * one is unfinished returns the pending job (`created: false`).
 */
export function triggerCalendarSync(
  conveyor: Conveyor,
  icsSync: IcsSyncJob,
  calendarId: string,
): Promise<EnqueuedJob> {
  return conveyor.enqueue(
    icsSync,
    { type: 'single', calendarId },
    { uniqueKey: `ics-sync:calendar:${calendarId}` },
  );
}

/** Syncs every calendar now (one pending at a time). */
export function triggerAllCalendarsSync(conveyor: Conveyor, icsSync: IcsSyncJob): Promise<EnqueuedJob> {
  return conveyor.enqueue(icsSync, { type: 'all' }, { uniqueKey: 'ics-sync:all' });
}
