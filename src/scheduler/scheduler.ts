/**
 * The scheduler service: turns cron schedules stored in Postgres into jobs.
 *
 * Exactly one enqueue per fire time, however many processes run it. Two mechanisms, belt and braces:
 *   1. Compare-and-set on the schedule row. A tick reads due rows, plans each one (fire-plan.ts),
 *      then in ONE transaction runs `UPDATE schedules SET next_fire_at = $new … WHERE name = $1 AND
 *      next_fire_at = $old AND pending_fire_at = $oldPending`, and only if that returned the row,
 *      inserts the jobs. Under READ COMMITTED a second process blocks on the row lock, re-checks the
 *      WHERE against the committed row, finds next_fire_at moved, and writes nothing. Because the
 *      advance and the insert commit together, a crash between them loses nothing and duplicates
 *      nothing (a separate "enqueue, then advance" would need the key alone to be right).
 *   2. A fire key. Every fire enqueues with uniqueKey `schedule:{name}:{fireTimeISO}`, kept for at
 *      least a day (twice the period for slower crons), so even a path around the CAS (an edit
 *      that moves next_fire_at back onto a fire already enqueued, two versions of the code during a
 *      deploy) returns the existing job instead of adding one.
 * Why not a leader (advisory lock) instead: leadership needs a held session and failover timing,
 * and a stale leader can still double-fire; the CAS needs neither and any process can tick, which
 * is also what lets a serverless host tick from an HTTP request.
 *
 * Run on start: the first process to start within `startWindow` (default 5 min) claims the start
 * run with a compare-and-set on `start_fired_at`, in the same transaction as its enqueue.
 *
 * Code-declared schedules are upserted at start (declarative: the code's fields win; a runtime
 * pause survives). A code schedule of a job this process registers but no longer declares is
 * deleted. Schedules added at runtime are never touched by this sync. A process given no
 * `schedules` option syncs nothing.
 */
import type { Logger } from 'pino';
import { ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import { safeError } from '../log/safe-error.ts';
import { PeriodicTask } from '../maintenance/periodic-task.ts';
import type { Service } from '../runtime/service.ts';
import type { ScheduleRow, Store } from '../store/store.ts';
import { compileCron } from './cron-schedule.ts';
import { planFires } from './fire-plan.ts';
import { fireJob, fireKey, resolveSchedule } from './resolve-schedule.ts';
import type { ScheduleDefinition } from './schedule-definition.ts';

const DUE_BATCH = 500;

export interface SchedulerSettings {
  store: () => Promise<Store>;
  definitions: ReadonlyMap<string, AnyJobDefinition>;
  /** Code-declared schedules; undefined: this process declares none and syncs nothing. */
  declared: ScheduleDefinition[] | undefined;
  now: () => Date;
  log: Logger;
  maxPayloadBytes: number;
  /** Longest sleep between ticks (runtime edits by other processes are seen within it). */
  pollIntervalMs: number;
  /** Processes starting within this window share one run-on-start. */
  startWindowMs: number;
}

export interface FiredJob {
  schedule: string;
  /** The fire time (null for a run on start). */
  fireAt: Date | null;
  jobId: string;
  /** False when the fire key already had a job (its id is given). */
  created: boolean;
}

export interface TickReport {
  at: Date;
  enqueued: FiredJob[];
  skipped: { schedule: string; fireAt: Date; reason: 'missed' | 'overlap' }[];
  /** Fires held until the previous run finishes (overlap 'queue'). */
  held: { schedule: string; fireAt: Date }[];
}

export class Scheduler implements Service {
  readonly name = 'scheduler';
  readonly #settings: SchedulerSettings;
  readonly #task: PeriodicTask;
  #synced: Promise<void> | null = null;
  #started = false;

  constructor(settings: SchedulerSettings) {
    this.#settings = settings;
    const declared = settings.declared ?? [];
    const context = { definitions: settings.definitions, maxPayloadBytes: settings.maxPayloadBytes };
    const names = new Set<string>();
    // Fail at createConveyor, not at 02:00: every declared schedule must resolve here.
    for (const [index, definition] of declared.entries()) {
      const row = resolveSchedule(
        definition,
        'code',
        { ...context, now: settings.now() },
        `schedules[${index}]`,
      );
      if (names.has(row.name)) {
        throw new ValidationError(`schedules[${index}].name`, `"${row.name}" is declared twice`);
      }
      names.add(row.name);
    }
    this.#task = new PeriodicTask('scheduler', () => this.#loop(), settings.log);
  }

  /** Syncs code schedules, runs the run-on-start ones (once per window across processes), then ticks. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      await this.#ensureSynced();
      await this.#runOnStart(this.#settings.now());
    } catch (error) {
      this.#settings.log.warn({ err: safeError(error) }, 'scheduler start failed; the ticks retry the sync');
    }
    this.#task.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#task.stop();
  }

  /** A local edit: tick soon instead of at the next planned wake-up. */
  changed(): void {
    this.#task.runSoon();
  }

  /** Upserts code-declared schedules now (start does this; the API calls it lazily). */
  sync(): Promise<void> {
    this.#synced = null;
    return this.#ensureSynced();
  }

  /** Enqueues every fire due at `at` (default now) that no other process enqueued; returns what it did. */
  async tick(at: Date = this.#settings.now()): Promise<TickReport> {
    await this.#ensureSynced();
    const store = await this.#settings.store();
    const report: TickReport = { at, enqueued: [], skipped: [], held: [] };
    const rows = await store.scheduleListDue({ now: at, limit: DUE_BATCH });
    for (const row of rows) {
      const job = this.#settings.definitions.get(row.jobName);
      if (!job) continue; // another process, which registers this job, fires it.
      try {
        await this.#fire(store, row, job, at, report);
      } catch (error) {
        this.#settings.log.error(
          { err: safeError(error), schedule: row.name },
          'schedule fire failed; retrying next tick',
        );
      }
    }
    return report;
  }

  async #fire(
    store: Store,
    row: Parameters<typeof planFires>[0],
    job: AnyJobDefinition,
    at: Date,
    report: TickReport,
  ): Promise<void> {
    const cron = compileCron(row.cron, row.timezone);
    const plan = planFires(row, cron, at);
    if (!plan.changed) return;
    const { maxPayloadBytes } = this.#settings;
    const jobs = plan.fires.map((fireAt) => {
      const periodMs = (cron.next(fireAt)?.getTime() ?? fireAt.getTime()) - fireAt.getTime();
      return fireJob(row, job, fireKey(row.name, fireAt), fireAt, { now: at, maxPayloadBytes, periodMs });
    });
    const result = await store.scheduleFire({
      name: row.name,
      expected: { nextFireAt: row.nextFireAt, pendingFireAt: row.pendingFireAt },
      nextFireAt: plan.nextFireAt,
      pendingFireAt: plan.pendingFireAt,
      lastFireAt: plan.lastFireAt,
      jobs,
      now: at,
    });
    if (!result.won) return;
    result.jobs.forEach((inserted, index) => {
      report.enqueued.push({
        schedule: row.name,
        fireAt: plan.fires[index]!,
        jobId: inserted.id,
        created: inserted.created,
      });
    });
    for (const skip of plan.skipped) report.skipped.push({ schedule: row.name, ...skip });
    if (plan.pendingFireAt && plan.pendingFireAt.getTime() !== row.pendingFireAt?.getTime()) {
      report.held.push({ schedule: row.name, fireAt: plan.pendingFireAt });
    }
    if (result.jobs.length > 0) {
      this.#settings.log.info(
        {
          schedule: row.name,
          fires: plan.fires.map((d) => d.toISOString()),
          jobs: result.jobs.map((j) => j.id),
        },
        'schedule fired',
      );
    }
  }

  async #runOnStart(at: Date): Promise<FiredJob[]> {
    const store = await this.#settings.store();
    const fired: FiredJob[] = [];
    const rows = (await store.scheduleList({ limit: 100_000 })).filter(
      (row) => row.runOnStart && !row.paused,
    );
    for (const row of rows) {
      const job = this.#settings.definitions.get(row.jobName);
      if (!job) continue;
      const key = `schedule:${row.name}:start:${at.toISOString()}`;
      const newJob = fireJob(row, job, key, null, {
        now: at,
        maxPayloadBytes: this.#settings.maxPayloadBytes,
        periodMs: 0,
      });
      const windowStart = new Date(at.getTime() - this.#settings.startWindowMs);
      const result = await store.scheduleStartClaim({ name: row.name, now: at, windowStart, jobs: [newJob] });
      for (const inserted of result.jobs)
        fired.push({ schedule: row.name, fireAt: null, jobId: inserted.id, created: inserted.created });
    }
    return fired;
  }

  #ensureSynced(): Promise<void> {
    this.#synced ??= this.#sync().catch((error: unknown) => {
      this.#synced = null;
      throw error;
    });
    return this.#synced;
  }

  async #sync(): Promise<void> {
    const { declared, definitions } = this.#settings;
    if (declared === undefined) return;
    const store = await this.#settings.store();
    const now = this.#settings.now();
    const context = { definitions, maxPayloadBytes: this.#settings.maxPayloadBytes, now };
    const names = new Set<string>();
    for (const [index, definition] of declared.entries()) {
      const schedule = resolveSchedule(definition, 'code', context, `schedules[${index}]`);
      names.add(schedule.name);
      await store.scheduleUpsert({ schedule, now });
    }
    const stored: ScheduleRow[] = await store.scheduleList({ limit: 100_000 });
    for (const row of stored) {
      if (row.source === 'code' && !names.has(row.name) && definitions.has(row.jobName)) {
        await store.scheduleDelete({ name: row.name });
        this.#settings.log.info({ schedule: row.name }, 'schedule no longer declared in code; removed');
      }
    }
  }

  async #loop(): Promise<number> {
    const { pollIntervalMs, now } = this.#settings;
    await this.tick();
    const next = await (await this.#settings.store()).scheduleNextFire({});
    if (!next) return pollIntervalMs;
    const wait = next.getTime() - now().getTime();
    // Due but not ours (a job this process does not register): look again at the next poll.
    return wait <= 0 ? pollIntervalMs : Math.min(pollIntervalMs, wait + 5);
  }
}
