/**
 * Koordi's Bull queue event handlers (active, completed, failed, stalled) as Conveyor lifecycle
 * events, logged as structured lines. Returns a function that stops the logging.
 */
import type { Conveyor, Logger } from '../../src/index.ts';

export function logQueueEvents(conveyor: Conveyor, log: Logger, queue = 'ics-sync'): () => void {
  const offs = [
    conveyor.on('job:active', ({ job }) => {
      if (job.queue === queue) log.info({ jobId: job.id, attempt: job.attempt }, 'job started processing');
    }),
    conveyor.on('job:completed', ({ job, result, durationMs }) => {
      if (job.queue === queue) log.info({ jobId: job.id, result, durationMs }, 'job completed');
    }),
    conveyor.on('job:failed', ({ job, error, willRetry }) => {
      if (job.queue === queue) log.error({ jobId: job.id, error: error.message, willRetry }, 'job failed');
    }),
    conveyor.on('job:dead', ({ job, error }) => {
      if (job.queue === queue) log.error({ jobId: job.id, error: error.message }, 'job is dead');
    }),
    conveyor.on('job:stalled', ({ jobId, queue: q, state }) => {
      if (q === queue) log.warn({ jobId, state }, 'job has stalled');
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
