/**
 * What each rule kind reads and when it fires. Each returns the subjects firing now, with a
 * message and details; anything not returned is clear (its open incident resolves).
 */
import type { Store } from '../../store/store.ts';
import type { ResolvedRule } from './alert-rules.ts';

export interface Firing {
  subject: string;
  message: string;
  details: Record<string, unknown>;
}

export interface ConditionContext {
  store: Store;
  now: Date;
  /** When this process first evaluated a rule (the reference of a job never seen succeeding). */
  firstSeen(ruleId: string): Date;
}

const round = (value: number): number => Math.round(value * 10) / 10;

export async function firingSubjects(rule: ResolvedRule, context: ConditionContext): Promise<Firing[]> {
  const { store, now } = context;
  const since = new Date(now.getTime() - rule.windowMs);
  switch (rule.kind) {
    case 'consecutive-failures': {
      const rows = await store.analyticsConsecutiveFailures({ since, name: rule.job, queue: rule.queue });
      return rows
        .filter((row) => row.failures >= rule.threshold)
        .map((row) => ({
          subject: row.name,
          message: `${row.name} failed ${row.failures} times in a row (threshold ${rule.threshold}): ${row.lastError ?? 'no message'}`,
          details: { queue: row.queue, job: row.name, failures: row.failures, lastError: row.lastError },
        }));
    }
    case 'slow-run': {
      const rows = await store.analyticsLatestDurations({ since, name: rule.job, queue: rule.queue });
      const minSamples = rule.minSamples ?? 5;
      return rows
        .filter(
          (row) =>
            row.baselineAvgMs !== null &&
            row.baselineCount >= minSamples &&
            row.latestMs > rule.factor * row.baselineAvgMs,
        )
        .map((row) => ({
          subject: row.name,
          message: `${row.name} took ${round(row.latestMs)} ms, over ${rule.factor}× its recent mean of ${round(row.baselineAvgMs!)} ms`,
          details: {
            queue: row.queue,
            job: row.name,
            jobId: row.latestJobId,
            durationMs: row.latestMs,
            averageMs: row.baselineAvgMs,
            samples: row.baselineCount,
          },
        }));
    }
    case 'error-rate': {
      const rows = await store.analyticsJobStats({
        since,
        until: now,
        ...(rule.queue ? { queue: rule.queue } : {}),
        ...(rule.job ? { name: rule.job } : {}),
      });
      const minRuns = rule.minRuns ?? 10;
      return rows
        .filter((row) => row.completed + row.failed >= minRuns)
        .map((row) => ({ row, percent: (100 * row.failed) / (row.completed + row.failed) }))
        .filter(({ percent }) => percent > rule.percent)
        .map(({ row, percent }) => ({
          subject: row.name,
          message: `${row.name}: ${round(percent)} % of attempts failed in the last ${rule.windowMs / 1_000} s (threshold ${rule.percent} %)`,
          details: { queue: row.queue, job: row.name, percent, failed: row.failed, completed: row.completed },
        }));
    }
    case 'dead-letters':
    case 'queue-depth': {
      const counts = await store.jobCountByState(rule.queue ? { queue: rule.queue } : {});
      const states: string[] = rule.kind === 'dead-letters' ? ['dead'] : (rule.states ?? ['ready']);
      const threshold = rule.threshold ?? 0;
      const byQueue = new Map<string, number>();
      for (const c of counts)
        if (states.includes(c.state)) byQueue.set(c.queue, (byQueue.get(c.queue) ?? 0) + c.count);
      return [...byQueue]
        .filter(([, count]) => count > threshold)
        .map(([queue, count]) => ({
          subject: queue,
          message:
            rule.kind === 'dead-letters'
              ? `queue ${queue} has ${count} dead job(s) (threshold ${threshold})`
              : `queue ${queue} has ${count} job(s) ${states.join('/')} (threshold ${threshold})`,
          details: { queue, count, threshold, states },
        }));
    }
    case 'missed-run': {
      const last = (await store.analyticsLastSuccess({ names: [rule.job] })).get(rule.job) ?? null;
      const reference = last ?? context.firstSeen(rule.id);
      if (now.getTime() - reference.getTime() <= rule.windowMs) return [];
      return [
        {
          subject: rule.job,
          message: `${rule.job} has not completed since ${last ? last.toISOString() : 'monitoring began'} (expected within ${rule.windowMs / 1_000} s)`,
          details: { job: rule.job, lastSuccessAt: last?.toISOString() ?? null, withinMs: rule.windowMs },
        },
      ];
    }
  }
}
