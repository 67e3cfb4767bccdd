/**
 * Reports job lifecycle events while a worker runs: as structured log lines (`conveyor worker`) or
 * as short human-readable lines (`conveyor dev`).
 */
import type { Conveyor } from '../client/conveyor.ts';
import type { JobInfo } from '../core/job.ts';
import type { Logger } from '../log/logger.ts';
import { brief, printLine } from './output.ts';

/** Logs completions, retries, dead jobs and progress; returns a function that stops reporting. */
export function logJobEvents(conveyor: Conveyor, log: Logger): () => void {
  const fields = (job: JobInfo) => ({
    jobId: job.id,
    job: job.name,
    queue: job.queue,
    tenantId: job.tenantId,
    attempt: job.attempt,
  });
  const offs = [
    conveyor.on('job:completed', ({ job, durationMs }) =>
      log.info({ ...fields(job), durationMs }, 'job completed'),
    ),
    conveyor.on('job:retrying', ({ job, error, retryAt }) =>
      log.warn({ ...fields(job), err: error.message, retryAt }, 'job failed; will retry'),
    ),
    conveyor.on('job:dead', ({ job, error }) =>
      log.error({ ...fields(job), err: error.message }, 'job is dead (out of attempts)'),
    ),
    conveyor.on('job:progress', ({ job, progress }) =>
      log.info({ ...fields(job), progress }, 'job progress'),
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Prints one line per lifecycle event; `label` names a job (e.g. the demo's description of it). */
export function printJobEvents(
  conveyor: Conveyor,
  label: (job: { id: string; name: string }) => string,
): () => void {
  const offs = [
    conveyor.on('job:active', ({ job }) =>
      printLine(`▶ ${label(job)} started (attempt ${job.attempt}/${job.maxAttempts})`),
    ),
    conveyor.on('job:progress', ({ job, progress }) =>
      printLine(`… ${label(job)} progress ${brief(progress)}`),
    ),
    conveyor.on('job:retrying', ({ job, error, retryAt }) =>
      printLine(
        `↻ ${label(job)} attempt ${job.attempt} failed: ${error.message}; retry in ${Math.max(0, retryAt.getTime() - Date.now())} ms`,
      ),
    ),
    conveyor.on('job:completed', ({ job, result, durationMs }) =>
      printLine(`✓ ${label(job)} completed in ${durationMs} ms → ${brief(result ?? null)}`),
    ),
    conveyor.on('job:dead', ({ job, error }) =>
      printLine(`✗ ${label(job)} dead after ${job.attempt} attempt(s): ${error.message}`),
    ),
    conveyor.on('job:stalled', (event) =>
      printLine(
        `! ${label({ id: event.jobId, name: event.name })} stalled (its worker stopped); now ${event.state}`,
      ),
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}
