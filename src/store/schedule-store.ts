/** The schedules slice of the store seam: definitions, fire-state compare-and-set, start claims. */
import type { NewJob } from '../core/enqueue-options.ts';
import type { InsertedJob } from './job-store.ts';

/** What to do with fire times that passed while no scheduler ran (see docs/scheduling.md). */
export type MissedPolicy = 'skip' | 'runOnce' | { catchUp: number };
/** What to do when a fire comes while the previous run of the schedule is unfinished. */
export type OverlapPolicy = 'skip' | 'allow' | 'queue';
/** `code`: declared in createConveyor({ schedules }); `runtime`: added through the API or CLI. */
export type ScheduleSource = 'code' | 'runtime';

/** A schedule's definition as written to the store. */
export interface ScheduleWrite {
  name: string;
  jobName: string;
  queue: string;
  cron: string;
  timezone: string;
  payload: unknown;
  tenantId: string | null;
  missed: MissedPolicy;
  overlap: OverlapPolicy;
  runOnStart: boolean;
  paused: boolean;
  source: ScheduleSource;
  nextFireAt: Date | null;
}

export interface ScheduleRow extends ScheduleWrite {
  lastFireAt: Date | null;
  lastJobId: string | null;
  pendingFireAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DueScheduleRow extends ScheduleRow {
  /** The job this schedule enqueued last is scheduled, ready or active. */
  lastRunUnfinished: boolean;
}

export interface ScheduleStore {
  /** Adds a schedule; null when the name is taken. */
  scheduleInsert(params: { schedule: ScheduleWrite; now: Date }): Promise<ScheduleRow | null>;
  /** Writes a code-declared schedule: new rows as given; existing ones keep paused and, unless the
   *  cron or zone changed, their next fire. */
  scheduleUpsert(params: { schedule: ScheduleWrite; now: Date }): Promise<ScheduleRow>;
  /** Rewrites a schedule's definition; null when there is none by that name. */
  scheduleUpdate(params: { schedule: ScheduleWrite; now: Date }): Promise<ScheduleRow | null>;
  /** Pauses or resumes; `nextFireAt` (resume) replaces the next fire. */
  scheduleSetPaused(params: {
    name: string;
    paused: boolean;
    nextFireAt: Date | null;
    now: Date;
  }): Promise<ScheduleRow | null>;
  scheduleDelete(params: { name: string }): Promise<boolean>;
  scheduleGet(params: { name: string }): Promise<ScheduleRow | null>;
  scheduleList(params: { tenantId?: string; prefix?: string; limit: number }): Promise<ScheduleRow[]>;
  /** Unpaused schedules due by `now` or holding a fire (overlap 'queue'). */
  scheduleListDue(params: { now: Date; limit: number }): Promise<DueScheduleRow[]>;
  /** The earliest next fire of any unpaused schedule. */
  scheduleNextFire(params: Record<string, never>): Promise<Date | null>;
  /**
   * In one transaction: advances the fire state if it still equals `expected` (compare-and-set),
   * and only then inserts `jobs` and records the last one. `won` is false when another process
   * advanced it first (or it was paused, edited or removed); nothing is written then.
   */
  scheduleFire(params: {
    name: string;
    expected: { nextFireAt: Date | null; pendingFireAt: Date | null };
    nextFireAt: Date | null;
    pendingFireAt: Date | null;
    lastFireAt: Date | null;
    jobs: NewJob[];
    now: Date;
  }): Promise<{ won: boolean; jobs: InsertedJob[] }>;
  /**
   * In one transaction: claims the run-on-start of a schedule unless a process claimed it after
   * `windowStart`, and only then inserts `jobs`.
   */
  scheduleStartClaim(params: {
    name: string;
    now: Date;
    windowStart: Date;
    jobs: NewJob[];
  }): Promise<{ won: boolean; jobs: InsertedJob[] }>;
}
