/**
 * Returns the jobs of worker processes whose lease expired (crashed, killed, or cut off), every
 * `intervalMs`. With the default 10 s lease and 5 s interval, a dead process's jobs run again within
 * about 15 s. The lost attempt counts for a job whose handler may have started, so a job that keeps
 * killing its worker ends up dead; a job the worker had only buffered goes back uncharged.
 */
import type { Logger } from 'pino';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import type { Service } from '../runtime/service.ts';
import type { Store } from '../store/store.ts';
import { PeriodicTask } from './periodic-task.ts';

export class Rescuer implements Service {
  readonly name = 'rescuer';
  readonly #task: PeriodicTask;

  constructor(
    store: () => Promise<Store>,
    now: () => Date,
    intervalMs: number,
    events: LifecycleEmitter,
    log: Logger,
  ) {
    this.#task = new PeriodicTask(
      'rescuer',
      async () => {
        const rescued = await (await store()).jobRescueExpired({ now: now() });
        const unstarted = rescued.filter((job) => !job.charged);
        if (unstarted.length > 0) {
          log.info(
            { count: unstarted.length, lostWorkers: [...new Set(unstarted.map((job) => job.lostWorker))] },
            'returned jobs a lost worker had claimed but never started (no attempt used)',
          );
        }
        for (const job of rescued) {
          if (!job.charged) continue;
          log.warn(
            {
              jobId: job.id,
              job: job.name,
              queue: job.queue,
              attempt: job.attempt,
              state: job.state,
              lostWorker: job.lostWorker,
            },
            'rescued a job whose worker stopped renewing its lease',
          );
          events.emit('job:stalled', {
            job: job.job,
            jobId: job.id,
            queue: job.queue,
            name: job.name,
            attempt: job.attempt,
            state: job.state === 'dead' ? 'dead' : 'ready',
            lostWorker: job.lostWorker,
          });
        }
        return intervalMs;
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
