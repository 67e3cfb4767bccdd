/**
 * "Why is this job waiting?": the reasons, each read from the state the claim decides on
 * (api-job-waiting.sql; the claim's rules are in docs/flow-control.md). Several may hold at once;
 * they are listed in the order the claim meets them: pauses, run time, queue and group limits,
 * rate windows, then workers and the jobs ahead.
 */
import type { JobWaitingRow } from '../store/store.ts';

export type WaitingCode =
  | 'queue_paused'
  | 'group_paused'
  | 'scheduled_later'
  | 'retry_backoff'
  | 'queue_at_limit'
  | 'group_at_limit'
  | 'rate_window_full'
  | 'no_worker'
  | 'behind_jobs';

export interface WaitingReason {
  code: WaitingCode;
  message: string;
  detail: Record<string, unknown>;
}

const groupLabel = (group: string) => (group === '' ? 'the shared group' : `group ${group}`);

export function waitingReasons(job: JobWaitingRow, now: Date): WaitingReason[] {
  const reasons: WaitingReason[] = [];
  const add = (code: WaitingCode, message: string, detail: Record<string, unknown>) =>
    reasons.push({ code, message, detail });
  if (job.queuePaused) add('queue_paused', `Queue ${job.queue} is paused`, { queue: job.queue });
  if (job.groupPaused) {
    add('group_paused', `${groupLabel(job.groupKey)} of queue ${job.queue} is paused`, {
      queue: job.queue,
      group: job.groupKey,
    });
  }
  if (job.state === 'scheduled' && job.runAt.getTime() > now.getTime()) {
    if (job.attempt > 0) {
      add('retry_backoff', `Attempt ${job.attempt} failed; the next runs at ${job.runAt.toISOString()}`, {
        runAt: job.runAt,
        attempt: job.attempt,
      });
    } else {
      add('scheduled_later', `Scheduled to run at ${job.runAt.toISOString()}`, { runAt: job.runAt });
    }
  }
  if (job.state === 'ready') {
    if (job.globalConcurrency !== null && job.queueActive >= job.globalConcurrency) {
      add(
        'queue_at_limit',
        `Queue ${job.queue} runs ${job.queueActive} jobs, its limit is ${job.globalConcurrency}`,
        { queue: job.queue, active: job.queueActive, limit: job.globalConcurrency },
      );
    }
    if (job.groupLimit !== null && job.groupActive >= job.groupLimit) {
      add(
        'group_at_limit',
        `${groupLabel(job.groupKey)} runs ${job.groupActive} jobs, its limit is ${job.groupLimit}`,
        { group: job.groupKey, active: job.groupActive, limit: job.groupLimit },
      );
    }
    if (job.rateLimit !== null && job.rateIntervalMs !== null && job.queueRateUsed >= job.rateLimit) {
      add(
        'rate_window_full',
        `Queue ${job.queue} started ${job.queueRateUsed} jobs in the last ${job.rateIntervalMs} ms (limit ${job.rateLimit})`,
        {
          scope: 'queue',
          limit: job.rateLimit,
          windowMs: job.rateIntervalMs,
          retryAt: job.queueRateFreeMs === null ? null : new Date(job.queueRateFreeMs),
        },
      );
    }
    if (
      job.groupRateLimit !== null &&
      job.groupRateIntervalMs !== null &&
      job.groupRateUsed >= job.groupRateLimit
    ) {
      add(
        'rate_window_full',
        `${groupLabel(job.groupKey)} started ${job.groupRateUsed} jobs in the last ${job.groupRateIntervalMs} ms (limit ${job.groupRateLimit})`,
        {
          scope: 'group',
          group: job.groupKey,
          limit: job.groupRateLimit,
          windowMs: job.groupRateIntervalMs,
          retryAt: job.groupRateFreeMs === null ? null : new Date(job.groupRateFreeMs),
        },
      );
    }
  }
  if (job.liveWorkers === 0) {
    add(
      'no_worker',
      `No live worker serves queue ${job.queue} with job ${job.name}${job.workerLastSeen ? `; one was last seen at ${job.workerLastSeen.toISOString()}` : ''}`,
      { queue: job.queue, name: job.name, lastSeen: job.workerLastSeen },
    );
  }
  if (job.state === 'ready' && job.ahead !== null && job.ahead > 0) {
    add(
      'behind_jobs',
      `${job.ahead}${job.ahead >= 100_000 ? '+' : ''} ready jobs of ${groupLabel(job.groupKey)} are claimed before it`,
      { ahead: job.ahead },
    );
  }
  return reasons;
}
