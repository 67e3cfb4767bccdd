/** The schedules slice of the store over SQL files: each method runs one named statement (the fire
 *  and start claim run theirs with the job insert in one transaction). */
import type { InsertedJob } from '../job-store.ts';
import type {
  DueScheduleRow,
  MissedPolicy,
  OverlapPolicy,
  ScheduleRow,
  ScheduleSource,
  ScheduleStore,
  ScheduleWrite,
} from '../schedule-store.ts';
import type { Row } from '../sql-driver.ts';
import { insertJobs } from './job-insert.ts';
import type { StatementContext } from './statement-context.ts';

const dateOrNull = (value: unknown): Date | null => (value ? new Date(value as Date) : null);

function scheduleFromRow(row: Row): ScheduleRow {
  return {
    name: String(row.name),
    jobName: String(row.job_name),
    queue: String(row.queue),
    cron: String(row.cron),
    timezone: String(row.timezone),
    payload: row.payload,
    tenantId: row.tenant_id === null || row.tenant_id === undefined ? null : String(row.tenant_id),
    missed: row.missed as MissedPolicy,
    overlap: String(row.overlap) as OverlapPolicy,
    runOnStart: Boolean(row.run_on_start),
    paused: Boolean(row.paused),
    source: String(row.source) as ScheduleSource,
    nextFireAt: dateOrNull(row.next_fire_at),
    lastFireAt: dateOrNull(row.last_fire_at),
    lastJobId: row.last_job_id === null || row.last_job_id === undefined ? null : String(row.last_job_id),
    pendingFireAt: dateOrNull(row.pending_fire_at),
    createdAt: new Date(row.created_at as Date),
    updatedAt: new Date(row.updated_at as Date),
  };
}

function writeDocument(schedule: ScheduleWrite): string {
  return JSON.stringify({
    name: schedule.name,
    job_name: schedule.jobName,
    queue: schedule.queue,
    cron: schedule.cron,
    timezone: schedule.timezone,
    payload: schedule.payload,
    tenant_id: schedule.tenantId,
    missed: schedule.missed,
    overlap: schedule.overlap,
    run_on_start: schedule.runOnStart,
    paused: schedule.paused,
    source: schedule.source,
    next_fire_at: schedule.nextFireAt?.toISOString() ?? null,
  });
}

export function scheduleStatements({ run, transaction, readyChannel }: StatementContext): ScheduleStore {
  const one = (rows: Row[]): ScheduleRow | null => (rows[0] ? scheduleFromRow(rows[0]) : null);

  return {
    async scheduleInsert({ schedule, now }) {
      return one(await run('schedule-insert', [writeDocument(schedule), now]));
    },

    async scheduleUpsert({ schedule, now }) {
      return one(await run('schedule-upsert', [writeDocument(schedule), now]))!;
    },

    async scheduleUpdate({ schedule, now }) {
      return one(await run('schedule-update', [writeDocument(schedule), now]));
    },

    async scheduleSetPaused({ name, paused, nextFireAt, now }) {
      return one(await run('schedule-set-paused', [name, paused, nextFireAt, now]));
    },

    async scheduleDelete({ name }) {
      return (await run('schedule-delete', [name])).length > 0;
    },

    async scheduleGet({ name }) {
      return one(await run('schedule-get', [name]));
    },

    async scheduleList({ tenantId, prefix, limit }) {
      const rows = await run('schedule-list', [tenantId ?? null, prefix ?? null, limit]);
      return rows.map(scheduleFromRow);
    },

    async scheduleListDue({ now, limit }) {
      const rows = await run('schedule-list-due', [now, limit]);
      return rows.map(
        (row): DueScheduleRow => ({
          ...scheduleFromRow(row),
          lastRunUnfinished: Boolean(row.last_run_unfinished),
        }),
      );
    },

    async scheduleNextFire() {
      const [row] = await run('schedule-next-fire', []);
      return dateOrNull(row?.next_fire_at);
    },

    async scheduleFire({ name, expected, nextFireAt, pendingFireAt, lastFireAt, jobs, now }) {
      return transaction(async (inTransaction) => {
        const advanced = await inTransaction('schedule-advance', [
          name,
          expected.nextFireAt,
          expected.pendingFireAt,
          nextFireAt,
          pendingFireAt,
          lastFireAt,
          now,
        ]);
        if (advanced.length === 0) return { won: false, jobs: [] as InsertedJob[] };
        const inserted =
          jobs.length > 0 ? await insertJobs(jobs, undefined, now, readyChannel, inTransaction) : [];
        const last = inserted.at(-1);
        if (last) await inTransaction('schedule-record-job', [name, last.id]);
        return { won: true, jobs: inserted };
      });
    },

    async scheduleStartClaim({ name, now, windowStart, jobs }) {
      return transaction(async (inTransaction) => {
        const claimed = await inTransaction('schedule-start-claim', [name, now, windowStart]);
        if (claimed.length === 0) return { won: false, jobs: [] as InsertedJob[] };
        const inserted = await insertJobs(jobs, undefined, now, readyChannel, inTransaction);
        const last = inserted.at(-1);
        if (last) await inTransaction('schedule-record-job', [name, last.id]);
        return { won: true, jobs: inserted };
      });
    },
  };
}
