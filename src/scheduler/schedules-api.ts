/**
 * `conveyor.schedules`: add, change, pause, resume, remove and inspect schedules at runtime. Every
 * write is checked first (ValidationError naming the field; nothing stored on error). A runtime
 * edit of a code-declared schedule lasts until the next start re-applies the code's definition.
 */

import { ScheduleNotFoundError, ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import type { ScheduleRow, Store } from '../store/store.ts';
import { compileCron } from './cron-schedule.ts';
import { definitionOf, resolveSchedule } from './resolve-schedule.ts';
import type { ScheduleDefinition, ScheduleInfo } from './schedule-definition.ts';
import type { Scheduler, TickReport } from './scheduler.ts';

const DEFAULT_FIRE_TIMES = 5;

export interface ScheduleListFilter {
  tenantId?: string;
  /** Only names starting with this, e.g. `relowisa:` for every tenant's ReLoWiSa. */
  prefix?: string;
  limit?: number;
  /** Next fire times to compute for each (default 5). */
  fireTimes?: number;
}

export type ScheduleChanges = Partial<Omit<ScheduleDefinition, 'name' | 'paused'>>;

/** Cron schedules at runtime (`conveyor.schedules`); docs/scheduling.md. */
export interface SchedulesApi {
  /** Adds a schedule (source `runtime`); throws if the name is taken. */
  add(definition: ScheduleDefinition): Promise<ScheduleInfo>;
  /** Changes fields of a schedule; a new cron or time zone takes effect from the next fire after now. */
  update(name: string, changes: ScheduleChanges): Promise<ScheduleInfo>;
  /** Stops firing until resumed (fires while paused are not made up). */
  pause(name: string): Promise<ScheduleInfo>;
  /** Fires again, from the next fire time after now. */
  resume(name: string): Promise<ScheduleInfo>;
  /** Deletes a schedule; jobs it already enqueued stay. False if there was none. */
  remove(name: string): Promise<boolean>;
  get(name: string, options?: { fireTimes?: number }): Promise<ScheduleInfo | null>;
  list(filter?: ScheduleListFilter): Promise<ScheduleInfo[]>;
  /** Enqueues what is due at `at` (default now) and returns it: tests, and hosts without a loop. */
  tick(at?: Date): Promise<TickReport>;
  /** Writes the code-declared schedules now (a started scheduler does this itself). */
  sync(): Promise<void>;
  /**
   * Runs the scheduler in this process now, whoever leads (with workers, it runs in one process of
   * the cluster at a time: the elected leader).
   */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SchedulesApiDeps {
  store: () => Promise<Store>;
  scheduler: Scheduler;
  definitions: ReadonlyMap<string, AnyJobDefinition>;
  now: () => Date;
  maxPayloadBytes: number;
}

function fireTimesOption(value: number | undefined): number {
  const n = value ?? DEFAULT_FIRE_TIMES;
  if (!Number.isInteger(n) || n < 0 || n > 1_000) {
    throw new ValidationError('fireTimes', `must be a whole number from 0 to 1000, got ${value}`);
  }
  return n;
}

export function scheduleInfo(row: ScheduleRow, fireTimes: number, now: Date): ScheduleInfo {
  const { jobName, ...rest } = row;
  const cron = compileCron(row.cron, row.timezone);
  const from = row.nextFireAt && row.nextFireAt.getTime() > now.getTime() ? row.nextFireAt : now;
  const nextFireTimes =
    row.paused || fireTimes === 0
      ? []
      : [...(from === row.nextFireAt ? [from] : []), ...cron.nextRuns(fireTimes, from)].slice(0, fireTimes);
  return { ...rest, job: jobName, nextFireTimes };
}

export function createSchedulesApi(deps: SchedulesApiDeps): SchedulesApi {
  const context = () => ({
    definitions: deps.definitions,
    maxPayloadBytes: deps.maxPayloadBytes,
    now: deps.now(),
  });
  const existing = async (name: string): Promise<ScheduleRow> => {
    const row = await (await deps.store()).scheduleGet({ name: String(name) });
    if (!row) throw new ScheduleNotFoundError(String(name));
    return row;
  };
  const done = (row: ScheduleRow | null, name: string): ScheduleInfo => {
    if (!row) throw new ScheduleNotFoundError(name);
    deps.scheduler.changed();
    return scheduleInfo(row, DEFAULT_FIRE_TIMES, deps.now());
  };

  return {
    /** Adds a schedule (source `runtime`); throws if the name is taken. */
    async add(definition: ScheduleDefinition): Promise<ScheduleInfo> {
      const schedule = resolveSchedule(definition, 'runtime', context());
      const row = await (await deps.store()).scheduleInsert({ schedule, now: deps.now() });
      if (!row) {
        throw new ValidationError(
          'name',
          `a schedule named "${schedule.name}" already exists; change it with schedules.update or remove it first`,
        );
      }
      return done(row, schedule.name);
    },

    /** Changes fields of a schedule; a new cron or time zone takes effect from the next fire after now. */
    async update(name: string, changes: ScheduleChanges): Promise<ScheduleInfo> {
      const row = await existing(name);
      const merged: ScheduleDefinition = { ...definitionOf(row), ...changes, name: row.name };
      const schedule = resolveSchedule(merged, row.source, context());
      const timingChanged = schedule.cron !== row.cron || schedule.timezone !== row.timezone;
      if (!timingChanged) schedule.nextFireAt = row.nextFireAt ?? schedule.nextFireAt;
      const store = await deps.store();
      return done(await store.scheduleUpdate({ schedule, now: deps.now() }), row.name);
    },

    /** Stops firing until resumed (fires while paused are not made up). */
    async pause(name: string): Promise<ScheduleInfo> {
      const store = await deps.store();
      const row = await store.scheduleSetPaused({
        name: String(name),
        paused: true,
        nextFireAt: null,
        now: deps.now(),
      });
      return done(row, String(name));
    },

    /** Fires again, from the next fire time after now. */
    async resume(name: string): Promise<ScheduleInfo> {
      const row = await existing(name);
      const now = deps.now();
      const nextFireAt = compileCron(row.cron, row.timezone).next(now);
      const store = await deps.store();
      return done(
        await store.scheduleSetPaused({ name: row.name, paused: false, nextFireAt, now }),
        row.name,
      );
    },

    /** Deletes a schedule; jobs it already enqueued stay. False if there was none. */
    async remove(name: string): Promise<boolean> {
      return (await deps.store()).scheduleDelete({ name: String(name) });
    },

    async get(name: string, options: { fireTimes?: number } = {}): Promise<ScheduleInfo | null> {
      const fireTimes = fireTimesOption(options.fireTimes);
      const row = await (await deps.store()).scheduleGet({ name: String(name) });
      return row ? scheduleInfo(row, fireTimes, deps.now()) : null;
    },

    async list(filter: ScheduleListFilter = {}): Promise<ScheduleInfo[]> {
      const fireTimes = fireTimesOption(filter.fireTimes);
      const rows = await (await deps.store()).scheduleList({
        ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
        ...(filter.prefix !== undefined ? { prefix: filter.prefix } : {}),
        limit: filter.limit ?? 1_000,
      });
      const now = deps.now();
      return rows.map((row) => scheduleInfo(row, fireTimes, now));
    },

    /** Enqueues what is due at `at` (default now) and returns it: tests, and hosts without a loop. */
    tick(at?: Date): Promise<TickReport> {
      return deps.scheduler.tick(at);
    },

    /** Writes the code-declared schedules now (a started scheduler does this itself). */
    sync(): Promise<void> {
      return deps.scheduler.sync();
    },

    /** Runs the scheduler in this process without a worker (workers start it themselves). */
    start(): Promise<void> {
      return deps.scheduler.start();
    },

    stop(): Promise<void> {
      return deps.scheduler.stop();
    },
  };
}
