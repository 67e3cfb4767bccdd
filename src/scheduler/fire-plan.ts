/**
 * What one tick does with one due schedule: a pure function of the row, its cron and the time, so
 * the missed-run and overlap policies are tested without a database.
 *
 * Missed runs (fires in [next_fire_at, now]):
 *   - `skip`: only the latest fire, and only if it is on time (within ON_TIME_MS of now);
 *   - `runOnce`: only the latest fire, however late;
 *   - `{ catchUp: N }`: the latest N fires, one job each (enqueued together).
 * Overlap (the job enqueued last is still scheduled, ready or active):
 *   - `allow`: enqueue anyway;
 *   - `skip`: drop the fires;
 *   - `queue`: hold one fire (`pending_fire_at`; later fires coalesce into it) and enqueue it at the
 *     first tick after the previous run finished.
 */
import type { DueScheduleRow } from '../store/schedule-store.ts';
import type { CronSchedule } from './cron-schedule.ts';

/** How late a fire may be and still count as on time under `missed: 'skip'`. */
export const ON_TIME_MS = 60_000;

export interface FirePlan {
  /** Fire times to enqueue now, oldest first (each with its own fire key). */
  fires: Date[];
  /** Fire times dropped, and why. */
  skipped: { fireAt: Date; reason: 'missed' | 'overlap' }[];
  nextFireAt: Date | null;
  pendingFireAt: Date | null;
  /** The latest fire time this tick handled (null: keep the stored one). */
  lastFireAt: Date | null;
  /** Whether the row's fire state changes (else there is nothing to write). */
  changed: boolean;
}

const same = (a: Date | null, b: Date | null): boolean => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export function planFires(row: DueScheduleRow, cron: CronSchedule, at: Date): FirePlan {
  const skipped: FirePlan['skipped'] = [];
  let due: Date[] = [];
  let nextFireAt = row.nextFireAt;
  if (nextFireAt && nextFireAt.getTime() <= at.getTime()) {
    const limit = typeof row.missed === 'object' ? row.missed.catchUp : 1;
    due = cron.due(nextFireAt, at, limit);
    const latest = due.at(-1);
    if (row.missed === 'skip' && latest && at.getTime() - latest.getTime() > ON_TIME_MS) {
      skipped.push({ fireAt: latest, reason: 'missed' });
      due = [];
    }
    nextFireAt = cron.next(at);
  }
  const lastFireAt = due.at(-1) ?? skipped.at(-1)?.fireAt ?? null;

  let pendingFireAt = row.pendingFireAt;
  let fires: Date[] = [];
  const busy = row.overlap !== 'allow' && row.lastRunUnfinished;
  if (!busy) {
    if (pendingFireAt) {
      // The held fire runs now; fires of this tick wait behind it (overlap 'queue').
      fires = [pendingFireAt];
      pendingFireAt = due.at(-1) ?? null;
      for (const fire of due.slice(0, -1)) skipped.push({ fireAt: fire, reason: 'overlap' });
    } else {
      fires = due;
    }
  } else if (row.overlap === 'queue' && !pendingFireAt && due.length > 0) {
    pendingFireAt = due.at(-1)!;
    for (const fire of due.slice(0, -1)) skipped.push({ fireAt: fire, reason: 'overlap' });
  } else {
    for (const fire of due) skipped.push({ fireAt: fire, reason: 'overlap' });
  }
  const changed =
    fires.length > 0 || !same(nextFireAt, row.nextFireAt) || !same(pendingFireAt, row.pendingFireAt);
  return { fires, skipped, nextFireAt, pendingFireAt, lastFireAt, changed };
}
