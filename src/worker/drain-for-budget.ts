/**
 * Runs queued work for a bounded time and returns a summary: the serverless drain behind
 * `POST /jobs/process?budget=50s` and `conveyor worker --once --budget 50s`. Built only on the
 * public worker and events, so it claims, leases and acknowledges exactly as a long-lived worker.
 *
 * Timeline: claim while there is ready work until `budget − grace` (grace = a fifth of the budget,
 * at most 10 s); then stop claiming, hand back anything buffered, and give running jobs until the
 * budget ends, after which they are aborted and returned to the queue to run again (nothing is lost).
 * The worker also starts the background services, so due schedules fire and delayed jobs are
 * promoted during the drain.
 */
import type { Conveyor } from '../client/conveyor.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';

export interface DrainOptions {
  /** Total wall time, e.g. `50s` (leave headroom below the host's limit). */
  budget: Duration;
  /** Queues to drain (default: every queue of the registered jobs). */
  queues?: string[];
  /** Jobs run at once (default 10). */
  concurrency?: number;
  /** Stop gracefully on SIGTERM/SIGINT (default false). */
  handleSignals?: boolean;
}

export interface DrainSummary {
  /** Attempts that ended (completed + failed). */
  processed: number;
  completed: number;
  /** Attempts that failed (retried later or dead). */
  failed: number;
  /** Jobs still ready in the drained queues afterwards. */
  remaining: number;
  durationMs: number;
}

const MAX_GRACE_MS = 10_000;

export async function drainForBudget(conveyor: Conveyor, options: DrainOptions): Promise<DrainSummary> {
  const budgetMs = parseDuration(options.budget, 'budget');
  if (budgetMs < 100) throw new ValidationError('budget', 'must be at least 100ms');
  const startedAt = Date.now();
  const claimUntil = startedAt + budgetMs - Math.min(MAX_GRACE_MS, Math.floor(budgetMs / 5));
  const queues = options.queues ?? [...new Set([...conveyor.definitions.values()].map((d) => d.queue))];

  const workerOf = new Map<string, string>();
  const completed = new Set<string>();
  const failed: string[] = [];
  const unsubscribe = [
    conveyor.on('job:active', ({ job, workerId }) => workerOf.set(job.id, workerId)),
    conveyor.on('job:completed', ({ job }) => completed.add(job.id)),
    conveyor.on('job:failed', ({ job }) => failed.push(job.id)),
  ];
  const readyCount = async (): Promise<number> =>
    (await conveyor.stats())
      .filter((s) => queues.includes(s.queue))
      .reduce((sum, s) => sum + s.counts.ready, 0);

  const handle = conveyor.worker({
    queues,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    pollInterval: '250ms',
    handleSignals: options.handleSignals ?? false,
  });
  try {
    const worker = await handle.start();
    while (Date.now() < claimUntil && worker.state === 'running') {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), Math.max(0, claimUntil - Date.now()));
      });
      const outcome = await Promise.race([worker.idle().then(() => 'idle' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline' || (await readyCount()) === 0) break;
      worker.wake();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await handle.stop({ timeoutMs: Math.max(0, startedAt + budgetMs - Date.now()) });
    const ours = (id: string) => workerOf.get(id) === worker.id;
    const done = [...completed].filter(ours).length;
    const failures = failed.filter(ours).length;
    return {
      processed: done + failures,
      completed: done,
      failed: failures,
      remaining: await readyCount(),
      durationMs: Date.now() - startedAt,
    };
  } finally {
    for (const off of unsubscribe) off();
    await handle.stop();
  }
}
